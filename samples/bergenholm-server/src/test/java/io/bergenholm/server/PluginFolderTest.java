package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.plugin.PluginJars;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power driver compiled at test time into a jar that is on no class path: {@code serve --plugins}
 * loads it (with a class loader of its own), and a host naming it can be powered through the REST
 * API.
 */
class PluginFolderTest {
  @TempDir Path dir;

  private static final String PROVIDER =
      """
      package example.jarpower;

      import io.bergenholm.api.ProviderContext;
      import io.bergenholm.api.power.*;
      import java.util.Map;

      public final class JarPowerProvider implements PowerDriverProvider {
        public String name() { return "jarpower"; }
        public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
          return new PowerDriver() {
            public PowerState status(PowerTarget target) { return PowerState.ON; }
            public void perform(PowerTarget target, PowerAction action) {}
          };
        }
      }
      """;

  @Test
  void loadsProvidersFromJarsInThePluginFolder() throws Exception {
    Path plugins = dir.resolve("plugins");
    PluginJars.build(
        dir,
        plugins.resolve("jarpower.jar"),
        Map.of("example.jarpower.JarPowerProvider", PROVIDER),
        List.of(),
        Map.of(
            "io.bergenholm.api.power.PowerDriverProvider",
            List.of("example.jarpower.JarPowerProvider")));

    picocli.CommandLine cl = new picocli.CommandLine(new Main());
    ServeCommand serve =
        (ServeCommand)
            cl.parseArgs(
                    "serve",
                    "--store",
                    "memory:",
                    "--http",
                    "127.0.0.1:0",
                    "--plugins",
                    plugins.toString())
                .subcommand()
                .commandSpec()
                .userObject();
    try (ServeCommand.Running running = serve.start()) {
      String base = "http://127.0.0.1:" + running.bootAddress().getPort() + "/api/1.0";
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/hosts/pm1"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"power_driver\": \"jarpower\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).isEqualTo(201);
      HttpResponse<String> status =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/power/pm1")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
      assertThat(status.body()).isEqualTo("{\"power\":\"on\"}");
    }
  }

  @Test
  void refusesAPluginPathThatIsNoFolder() throws IOException {
    picocli.CommandLine cl = new picocli.CommandLine(new Main());
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err, true));
    int code =
        cl.execute(
            "serve",
            "--store",
            "memory:",
            "--http",
            "127.0.0.1:0",
            "--plugins",
            dir.resolve("missing").toString());
    assertThat(code).isEqualTo(Main.START_FAILED);
    assertThat(err.toString()).contains("--plugins", "is not a directory");
  }
}
