package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The old project's fixture, whose URLs carry no boot credential, served with the management API on
 * its own listener: refused on the two per-host boot routes by default, and working with the
 * documented compatibility settings {@code boot.open_installed} and {@code
 * boot.open_template_reads}. The fixture is {@code shared/compat/fixture} beside the repository (or
 * the system property {@code bergenholm.compat.fixture}); a copy is served, since marking writes.
 */
class CompatSettingsTest {
  @TempDir Path dir;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Optional<Path> fixture() {
    String property = System.getProperty("bergenholm.compat.fixture");
    if (property != null) {
      return Optional.of(Path.of(property));
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared/compat/fixture");
      if (Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private ServeCommand.Running serve(String name, String extraConfig) throws IOException {
    Optional<Path> fixture = fixture();
    assumeTrue(fixture.isPresent(), "the compatibility fixture (shared/compat/fixture) is absent");
    Path store = dir.resolve(name);
    try (Stream<Path> files = Files.walk(fixture.get())) {
      for (Path f : files.toList()) {
        Path to = store.resolve(fixture.get().relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    Path config =
        Files.writeString(
            dir.resolve(name + ".properties"),
            "store=file:"
                + store
                + "\n"
                + "http=127.0.0.1:0\nmanagement=127.0.0.1:0\nengine.boot.secret_file="
                + dir.resolve(name + ".secret")
                + "\n"
                + extraConfig);
    return Serving.serve("serve", "--config", config.toString());
  }

  private HttpResponse<String> get(
      ServeCommand.Running s, boolean boot, String path, String... headers) throws Exception {
    int port = boot ? s.bootAddress().getPort() : s.managementAddress().orElseThrow().getPort();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void secureByDefaultAndOpenWithTheCompatibilitySettings() throws Exception {
    try (ServeCommand.Running secure = serve("secure", "")) {
      assertThat(get(secure, true, "/api/1.0/hosts/samplehost?installed=mark").statusCode())
          .isEqualTo(403);
      assertThat(get(secure, true, "/api/1.0/templates/linux.ipxe/samplehost").statusCode())
          .isEqualTo(403);
      assertThat(get(secure, false, "/api/1.0/hosts/samplehost").body())
          .doesNotContain("installed");
      // The rest of the boot side is as open as it was.
      assertThat(get(secure, true, "/ipxe/script/samplehost").statusCode()).isEqualTo(200);
    }
    try (ServeCommand.Running compat =
        serve("compat", "boot.open_installed=true\nboot.open_template_reads=true\n")) {
      assertThat(get(compat, true, "/api/1.0/templates/linux.ipxe/samplehost").body())
          .startsWith("#!ipxe");
      // Still not from a page of another site.
      assertThat(
              get(
                      compat,
                      true,
                      "/api/1.0/hosts/samplehost?installed=mark",
                      "Sec-Fetch-Site",
                      "cross-site")
                  .statusCode())
          .isEqualTo(403);
      assertThat(get(compat, true, "/api/1.0/hosts/samplehost?installed=mark").statusCode())
          .isEqualTo(200);
      assertThat(get(compat, false, "/api/1.0/hosts/samplehost").body()).contains("installed");
    }
  }
}
