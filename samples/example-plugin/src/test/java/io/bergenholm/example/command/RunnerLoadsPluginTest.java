package io.bergenholm.example.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the standalone runner ({@code bergenholm serve}) as its own process, on a class path
 * without this plugin, with the built jar in its {@code --plugins} folder, and powers a host
 * through the REST API with the plugin's driver.
 */
class RunnerLoadsPluginTest {
  private static final Pattern SERVING =
      Pattern.compile("Bergenholm serving http://([0-9.]+):(\\d+)/");
  private static final String HOST = "6a1b7d2e-0b4c-4f43-8e4a-6b9d2c1f0a11";

  @TempDir Path dir;

  @Test
  void theRunnerPowersAHostWithTheDriverFromItsPluginFolder() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path jar = Path.of(System.getProperty("plugin.jar"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    Path script = dir.resolve("power.sh");
    Files.writeString(script, CommandPluginTest.SCRIPT);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

    Process runner = start("--plugins", plugins.toString());
    try {
      URI api = URI.create("http://" + address(runner) + "/api/1.0/");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String host =
          "{\"power_driver\": \"command\", \"power_command\": \""
              + script
              + "\", \"state_dir\": \""
              + dir
              + "\"}";
      assertThat(send(http, "POST", api.resolve("hosts/" + HOST), host).statusCode())
          .isEqualTo(201);

      HttpResponse<String> status = send(http, "GET", api.resolve("power/" + HOST), null);
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.body().replace(" ", "")).isEqualTo("{\"power\":\"off\"}");
      assertThat(
              send(http, "PUT", api.resolve("power/" + HOST), "{\"power\": \"on\"}").statusCode())
          .isEqualTo(202);
      assertThat(send(http, "GET", api.resolve("power/" + HOST), null).body().replace(" ", ""))
          .isEqualTo("{\"power\":\"on\"}");
      // "on" asks for a network boot first, whatever the driver (as the Python project's on did)
      assertThat(Files.readAllLines(dir.resolve("calls.log")))
          .containsExactly(
              "status " + HOST + " status " + HOST,
              "network_boot_next " + HOST + " network_boot_next " + HOST,
              "on " + HOST + " on " + HOST,
              "status " + HOST + " status " + HOST);
    } finally {
      stop(runner);
    }
  }

  /** The control: the same runner without the plugin folder does not know the driver. */
  @Test
  void withoutThePluginFolderTheDriverIsUnknown() throws Exception {
    Process runner = start();
    try {
      URI api = URI.create("http://" + address(runner) + "/api/1.0/");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String host = "{\"power_driver\": \"command\", \"power_command\": \"/bin/true\"}";
      assertThat(send(http, "POST", api.resolve("hosts/" + HOST), host).statusCode())
          .isEqualTo(201);
      HttpResponse<String> status = send(http, "GET", api.resolve("power/" + HOST), null);
      assertThat(status.statusCode()).isEqualTo(400);
      assertThat(status.body()).contains("command");
    } finally {
      stop(runner);
    }
  }

  private Process start(String... more) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                runnerClassPath(),
                "io.bergenholm.server.Main",
                "serve",
                "--store",
                "memory:",
                "--http",
                "127.0.0.1:0"));
    command.addAll(List.of(more));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** This test's class path less this module's own classes: the runner's, without the plugin. */
  private static String runnerClassPath() {
    Path module = Path.of("target").toAbsolutePath();
    return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !Path.of(e).toAbsolutePath().startsWith(module))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Waits (60 s at most) for the runner's "serving" line and answers its address. */
  private static String address(Process runner) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(runner.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    CompletableFuture<String> found =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = out.readLine()) != null; ) {
                  seen.append(line).append('\n');
                  Matcher m = SERVING.matcher(line);
                  if (m.find()) {
                    return m.group(1) + ":" + m.group(2);
                  }
                }
                return null;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    String address = found.get(60, TimeUnit.SECONDS);
    assertThat(address).as("runner output:\n%s", seen).isNotNull();
    // Keep draining the runner's log so that it never blocks on a full pipe.
    Thread drain =
        new Thread(
            () -> {
              try {
                out.transferTo(java.io.Writer.nullWriter());
              } catch (IOException e) {
                // the runner has stopped
              }
            });
    drain.setDaemon(true);
    drain.start();
    return address;
  }

  private static HttpResponse<String> send(HttpClient http, String method, URI uri, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void stop(Process runner) throws InterruptedException {
    runner.destroy();
    if (!runner.waitFor(20, TimeUnit.SECONDS)) {
      runner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
