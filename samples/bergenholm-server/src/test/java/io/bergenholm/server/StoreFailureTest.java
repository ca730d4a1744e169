package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A group file corrupted by hand while the server runs: anonymous boot-side answers name no store
 * path, the management side names the file and line, and readiness fails until the file is fixed.
 */
class StoreFailureTest {
  private static final String HOST = "4c4c4544-0042-3510-8052-b4c04f564e31";

  @TempDir Path dir;
  private ServeCommand.Running server;
  private String boot;
  private String mgmt;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    CommandLine cl = new CommandLine(new Main());
    ServeCommand serve =
        (ServeCommand)
            cl.parseArgs(
                    "serve",
                    "--data-dir",
                    dir.resolve("data").toString(),
                    "--http",
                    "127.0.0.1:0",
                    "--management",
                    "127.0.0.1:0")
                .subcommand()
                .commandSpec()
                .userObject();
    server = serve.start();
    boot = "http://127.0.0.1:" + server.bootAddress().getPort();
    mgmt = "http://127.0.0.1:" + server.managementAddress().orElseThrow().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int awaitReadyz(int status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int seen;
    do {
      seen = get(boot + "/readyz").statusCode();
      if (seen == status) {
        return seen;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return seen;
  }

  @Test
  void aCorruptGroupFileIsNamedToOperatorsOnlyAndFailsReadinessUntilFixed() throws Exception {
    Path group = dir.resolve("data/groups/default");
    String good = Files.readString(group);
    assertThat(awaitReadyz(200)).isEqualTo(200);

    Files.writeString(
        group, "{\n  \"base_url\": \"http://127.0.0.1:8080\",\n  \"ipxe_url\": oops\n}\n");
    assertThat(awaitReadyz(503)).isEqualTo(503);
    String where = dir.toAbsolutePath().toString();

    // Anonymous, on the boot listener: the status and a reference, no path.
    HttpResponse<String> script = get(boot + "/ipxe/script/" + HOST);
    assertThat(script.statusCode()).isEqualTo(400);
    assertThat(script.body())
        .contains("reference")
        .doesNotContain(where)
        .doesNotContain("groups/default");
    HttpResponse<String> ready = get(boot + "/readyz");
    assertThat(ready.body()).contains("not ready").doesNotContain(where);

    // The management side: which file, which line, and that it cannot be read (not "a bad name").
    HttpResponse<String> detail = get(mgmt + "/api/1.0/hosts/" + HOST + "?params=all");
    assertThat(detail.statusCode()).isEqualTo(400);
    assertThat(detail.body())
        .contains("groups/default")
        .contains("line 3")
        .contains("cannot be read")
        .doesNotContain("not a valid group name");
    assertThat(get(mgmt + "/readyz").body()).contains("groups/default").contains("line 3");

    Files.writeString(group, good);
    assertThat(awaitReadyz(200)).isEqualTo(200);
    assertThat(get(boot + "/ipxe/script/" + HOST).statusCode()).isEqualTo(200);
  }
}
