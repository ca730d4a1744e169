package io.bergenholm.server;

import static io.bergenholm.server.Serving.serve;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The runner seen from outside: a real Prometheus scraping it with a token, the CLI following a
 * boot, and the log lines it writes.
 */
class ObservabilityTest {
  private static final String TOKEN = "observability-rw-token-0123456789";
  private static final String SCRAPE = "observability-scrape-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A machine of the sample data, installed through group centos7. */
  private static final String SAMPLE_HOST = "4c4c4544-0042-3510-8052-b4c04f564e31";

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServeCommand.Running secured() throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw " + TOKEN + " operator-alice\nro " + SCRAPE + " prometheus\n");
    return serve(
        "serve",
        "--data-dir",
        dir.resolve("data").toString(),
        "--http",
        "127.0.0.1:0",
        "--tokens",
        tokens.toString());
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aRealPrometheusScrapesTheServerWithABearerToken() throws Exception {
    try (ServeCommand.Running server = secured()) {
      String base = "http://127.0.0.1:" + server.bootAddress().getPort();
      assertThat(get(base + "/ipxe/script/" + SAMPLE_HOST, null).statusCode()).isEqualTo(200);
      Path tokenFile = dir.resolve("scrape-token");
      Files.writeString(tokenFile, SCRAPE);
      int port = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(
          config,
          """
          global:
            scrape_interval: 1s
            scrape_timeout: 1s
          scrape_configs:
            - job_name: bergenholm
              metrics_path: /metrics
              authorization:
                type: Bearer
                credentials_file: %s
              static_configs:
                - targets: ["127.0.0.1:%d"]
          """
              .formatted(tokenFile, server.bootAddress().getPort()));
      Process prometheus =
          new ProcessBuilder(
                  "prometheus",
                  "--config.file=" + config,
                  "--web.listen-address=127.0.0.1:" + port,
                  "--storage.tsdb.path=" + dir.resolve("tsdb"))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        String api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
        JsonNode up =
            awaitResult(
                api + enc("up{job=\"bergenholm\"}"),
                r -> r.path(0).path("value").path(1).asText().equals("1"));
        assertThat(up.path(0).path("metric").path("instance").asText())
            .isEqualTo("127.0.0.1:" + server.bootAddress().getPort());
        JsonNode scripts =
            awaitResult(
                api + enc("bergenholm_scripts_served_total{purpose=\"install\"}"),
                r -> r.size() == 1);
        assertThat(scripts.path(0).path("value").path(1).asDouble()).isEqualTo(1.0);
        JsonNode requests =
            awaitResult(
                api + enc("sum(bergenholm_http_requests_total{route=\"/metrics\"})"),
                r -> r.size() == 1 && r.path(0).path("value").path(1).asDouble() >= 1);
        assertThat(requests.path(0).path("value").path(1).asDouble()).isGreaterThanOrEqualTo(1);
      } finally {
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * Queries Prometheus's HTTP API until the result holds (at most 60 s): scrapes come every second.
   */
  private JsonNode awaitResult(String url, java.util.function.Predicate<JsonNode> holds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = get(url, null);
        last = r.body();
        if (r.statusCode() == 200) {
          JsonNode result = JSON.readTree(r.body()).path("data").path("result");
          if (holds.test(result)) {
            return result;
          }
        }
      } catch (IOException notYetListening) {
        last = notYetListening.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "Prometheus never answered "
            + url
            + " as expected; last: "
            + last
            + "\nlog: "
            + Files.readString(dir.resolve("prometheus.log")));
  }

  @Test
  void watchAndHostEventsPrintOneLinePerEvent() throws Exception {
    try (ServeCommand.Running server = secured()) {
      String base = "http://127.0.0.1:" + server.bootAddress().getPort();
      StringWriter watched = new StringWriter();
      StringWriter err = new StringWriter();
      Path token = dir.resolve("token");
      Files.writeString(token, TOKEN);
      CompletableFuture<Integer> watch =
          CompletableFuture.supplyAsync(
              () ->
                  Main.run(
                      new String[] {
                        "--url",
                        base + "/api/1.0",
                        "--token-file",
                        token.toString(),
                        "watch",
                        "--host",
                        SAMPLE_HOST,
                        "--count",
                        "2"
                      },
                      new PrintWriter(watched, true),
                      new PrintWriter(err, true)));
      // The stream is open once a first request gets through; keep booting until watch has its two
      // events.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!watch.isDone() && System.nanoTime() < deadline) {
        assertThat(get(base + "/ipxe/script/" + SAMPLE_HOST, null).statusCode()).isEqualTo(200);
        Thread.sleep(200);
      }
      assertThat(watch.get(5, TimeUnit.SECONDS)).as(err.toString()).isZero();
      String[] lines = watched.toString().strip().split("\n");
      assertThat(lines).hasSize(2);
      for (String line : lines) {
        assertThat(line).contains(SAMPLE_HOST, "script.served", "ok", "purpose=install");
        assertThat(Instant.parse(line.substring(0, line.indexOf(' '))))
            .isBefore(Instant.now().plusSeconds(1));
      }

      server.engine().events().flush(10_000);
      StringWriter out = new StringWriter();
      int code =
          Main.run(
              new String[] {
                "--url",
                base + "/api/1.0",
                "--token-file",
                token.toString(),
                "host",
                "events",
                SAMPLE_HOST,
                "--limit",
                "2"
              },
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString().strip().split("\n"))
          .hasSize(2)
          .allSatisfy(l -> assertThat(l).contains("script.served"));
      int refused =
          Main.run(
              new String[] {"--url", base + "/api/1.0", "watch"},
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(refused).isEqualTo(Main.REFUSED);
      assertThat(err.toString()).contains("401");
    }
  }

  @Test
  void logLinesCarryTimeAndLevelAsTextOrJsonAndWritesAreAudited() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Logging.configure("info", "json", "off");
      try (ServeCommand.Running server = secured()) {
        String base = "http://127.0.0.1:" + server.bootAddress().getPort();
        HttpRequest put =
            HttpRequest.newBuilder(URI.create(base + "/api/1.0/groups/audited"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"x\": \"1\"}"))
                .build();
        assertThat(http.send(put, HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(201);
        assertThat(get(base + "/ipxe/script/" + SAMPLE_HOST, null).statusCode()).isEqualTo(200);
      }
      String json = captured.toString(StandardCharsets.UTF_8);
      boolean audit = false;
      boolean access = false;
      for (String line : json.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        assertThat(n.path("timestamp").asLong()).as(line).isPositive();
        assertThat(n.path("level").asText()).as(line).isIn("INFO", "WARN", "ERROR");
        audit |=
            n.path("loggerName").asText().equals("io.bergenholm.audit")
                && n.path("formattedMessage").asText().contains("operator-alice");
        access |=
            n.path("loggerName").asText().equals("io.bergenholm.access")
                && n.path("formattedMessage").asText().contains("/api/1.0/groups/audited");
        assertThat(n.path("loggerName").asText())
            .as("boot access is off")
            .isNotEqualTo("io.bergenholm.access.boot");
      }
      assertThat(audit).as(json).isTrue();
      assertThat(access).as(json).isTrue();

      captured.reset();
      Logging.configure("info", "text", "info");
      LoggerFactory.getLogger("io.bergenholm.access.boot").info("GET /ipxe/script/x 200");
      LoggerFactory.getLogger(ObservabilityTest.class).debug("not shown at info");
      String text = captured.toString(StandardCharsets.UTF_8);
      assertThat(text)
          .matches(
              "(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[.*\\] io\\.bergenholm\\.access\\.boot - GET /ipxe/script/x 200\\n");
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> Logging.configure("loud", "text", "off")))
          .hasMessageContaining("--log-level");
    } finally {
      Logging.configure("warn", "text", "off");
      System.setErr(original);
    }
  }
}
