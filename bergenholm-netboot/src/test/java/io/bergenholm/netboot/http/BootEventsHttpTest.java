package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bergenholm.api.event.BootEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot timeline, host states, the live event stream and the metrics, over real HTTP. */
class BootEventsHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UUID = "4c4c4544-0042-3010-8056-b7c04f4b3232";

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<String> kinds(JsonNode events) {
    List<String> out = new ArrayList<>();
    events.get("events").forEach(e -> out.add(e.get("kind").asText()));
    return out;
  }

  private static void flush(TestServer s) throws InterruptedException {
    assertThat(s.engine.events().flush(10_000)).isTrue();
  }

  @Test
  void anInstallFlowIsATimelineNewestLastWithSinceAndLimit() throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
      assertThat(s.get("/api/1.0/templates/ks/samplehost").statusCode()).isEqualTo(200);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark").statusCode()).isEqualTo(200);
      flush(s);

      JsonNode all = json(s.get("/api/1.0/hosts/samplehost/events"));
      assertThat(kinds(all))
          .containsExactly(
              BootEvent.KIND_SCRIPT_SERVED,
              BootEvent.KIND_TEMPLATE_RENDERED,
              BootEvent.KIND_HOST_INSTALLED);
      JsonNode script = all.get("events").get(0);
      assertThat(script.get("host").asText()).isEqualTo("samplehost");
      assertThat(script.get("outcome").asText()).isEqualTo("ok");
      assertThat(script.get("attributes").get("template").asText()).isEqualTo("linux.ipxe");
      assertThat(script.get("attributes").get("purpose").asText()).isEqualTo("install");
      assertThat(all.get("events").get(1).get("attributes").get("template").asText())
          .isEqualTo("ks");
      Instant previous = Instant.EPOCH;
      for (JsonNode e : all.get("events")) {
        Instant t = Instant.parse(e.get("time").asText());
        assertThat(t).isAfterOrEqualTo(previous);
        previous = t;
        assertThat(Long.parseLong(e.get("attributes").path("duration_ms").asText("0")))
            .isBetween(0L, 60_000L);
      }

      assertThat(kinds(json(s.get("/api/1.0/hosts/samplehost/events?limit=1"))))
          .containsExactly(BootEvent.KIND_HOST_INSTALLED);
      String first = all.get("events").get(0).get("time").asText();
      assertThat(kinds(json(s.get("/api/1.0/hosts/samplehost/events?since=" + first))))
          .doesNotContain(BootEvent.KIND_SCRIPT_SERVED)
          .contains(BootEvent.KIND_HOST_INSTALLED);
      assertThat(s.get("/api/1.0/hosts/samplehost/events?since=yesterday").statusCode())
          .isEqualTo(400);
      assertThat(s.get("/api/1.0/hosts/samplehost/events?limit=0").statusCode()).isEqualTo(400);
      assertThat(kinds(json(s.get("/api/1.0/events")))).contains(BootEvent.KIND_HOST_INSTALLED);

      HttpResponse<String> read = s.get("/api/1.0/hosts/samplehost");
      assertThat(read.headers().firstValue("X-Bergenholm-State")).contains("installed");
      assertThat(Instant.parse(read.headers().firstValue("X-Bergenholm-Last-Seen").orElseThrow()))
          .isEqualTo(previous);
    }
  }

  @Test
  void registrationAndStatesShowInTheListingWithoutChangingItsPlainShape() throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      assertThat(s.get("/ipxe/script/" + UUID).body()).contains("register");
      assertThat(s.get("/ipxe/register/" + UUID + "?manufacturer=QEMU&serial=S1").statusCode())
          .isEqualTo(201);
      assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
      flush(s);
      JsonNode timeline = json(s.get("/api/1.0/hosts/" + UUID + "/events"));
      assertThat(kinds(timeline))
          .containsExactly(BootEvent.KIND_SCRIPT_SERVED, BootEvent.KIND_HOST_REGISTERED);
      assertThat(timeline.get("events").get(0).get("attributes").get("purpose").asText())
          .isEqualTo("register");
      assertThat(timeline.get("events").get(1).get("attributes").get("manufacturer").asText())
          .isEqualTo("QEMU");

      JsonNode plain = json(s.get("/api/1.0/hosts/"));
      assertThat(plain.size()).isEqualTo(1);
      assertThat(plain.get("hosts").toString()).contains(UUID, "samplehost");

      JsonNode detail = json(s.get("/api/1.0/hosts/?detail=1"));
      assertThat(detail.get("detail").get(UUID).get("state").asText()).isEqualTo("registered");
      assertThat(detail.get("detail").get("samplehost").get("state").asText())
          .isEqualTo("installing");
      assertThat(detail.get("detail").get("default").get("last_seen").isNull()).isTrue();
      assertThat(json(s.get("/api/1.0/hosts/?state=installing")).get("hosts").toString())
          .isEqualTo("[\"samplehost\"]");
      assertThat(
              json(s.get("/api/1.0/hosts/?state=registered&manufacturer=QEMU"))
                  .get("hosts")
                  .toString())
          .isEqualTo("[\"" + UUID + "\"]");
      assertThat(s.get("/api/1.0/hosts/?state=sleeping").statusCode()).isEqualTo(400);
    }
  }

  @Test
  void aRenderErrorIsAnEventNamingTheTemplateLine() throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      s.engine.createTemplate("broken.ipxe", "#!ipxe\nline two\n{% if %}\n");
      s.engine.createHost(
          "badhost", io.bergenholm.api.Params.of(Map.of("ipxe_script", "broken.ipxe")));
      assertThat(s.get("/ipxe/script/badhost").statusCode()).isEqualTo(400);
      flush(s);
      JsonNode e = json(s.get("/api/1.0/hosts/badhost/events")).get("events").get(0);
      assertThat(e.get("kind").asText()).isEqualTo(BootEvent.KIND_RENDER_ERROR);
      assertThat(e.get("outcome").asText()).isEqualTo("error");
      assertThat(e.get("attributes").get("error").asText()).contains("broken.ipxe", "line 3");
    }
  }

  @Test
  void theStreamFollowsLiveWithHeartbeats() throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(s.base + "/api/1.0/events/stream?heartbeat=1")).build();
      HttpResponse<InputStream> r = s.client.send(req, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        assertThat(in.readLine()).startsWith(":");
        assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
        List<String> seen = new ArrayList<>();
        String line;
        boolean heartbeat = false;
        boolean event = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((!heartbeat || !event)
            && System.nanoTime() < deadline
            && (line = in.readLine()) != null) {
          seen.add(line);
          heartbeat |= line.equals(": heartbeat");
          if (line.startsWith("data: ")) {
            JsonNode data = JSON.readTree(line.substring(6));
            event |=
                data.get("kind").asText().equals(BootEvent.KIND_SCRIPT_SERVED)
                    && data.get("host").asText().equals("samplehost");
          }
        }
        assertThat(seen).contains("event: " + BootEvent.KIND_SCRIPT_SERVED, ": heartbeat");
        assertThat(event).isTrue();
      }
    }
  }

  @Test
  void aReaderThatFallsBehindIsDroppedAndRecordingNeverWaits() throws Exception {
    try (TestServer s = TestServer.start().seeded();
        Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", s.server.bootAddress().getPort()), 5000);
      socket
          .getOutputStream()
          .write(
              ("GET /api/1.0/events/stream HTTP/1.1\r\nHost: x\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      byte[] first = new byte[64];
      assertThat(in.read(first)).isPositive(); // the stream is open; now stop reading
      Map<String, String> big = Map.of("padding", "x".repeat(200));
      for (int i = 0; i < 20_000; i++) {
        s.engine.events().record("test.flood", "flooder", "ok", big);
      }
      socket.setSoTimeout(20_000);
      String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(rest).contains(": dropped");
      // The boot path still answers, and the events were all kept or counted.
      assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
      flush(s);
      assertThat(
              s.engine.events().written()
                  + s.engine.events().dropped()
                  + s.engine.events().suppressed())
          .isGreaterThanOrEqualTo(20_000);
    }
  }

  @Test
  void metricsCountByRoutePatternAndPassPromtool(@TempDir Path dir) throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      s.get("/ipxe/script/samplehost");
      s.get("/ipxe/script/" + UUID);
      s.get("/ipxe/register/" + UUID);
      s.get("/api/1.0/templates/ks/samplehost");
      s.get("/api/1.0/hosts/samplehost?installed=mark");
      s.get("/no/such/" + UUID);
      HttpResponse<String> m = s.get("/metrics");
      assertThat(m.statusCode()).isEqualTo(200);
      assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      String body = m.body();
      assertThat(body)
          .contains(
              "bergenholm_http_requests_total{method=\"GET\",route=\"/ipxe/script/{}\",status=\"200\"} 2")
          .contains("route=\"unmatched\",status=\"404\"")
          .contains("bergenholm_scripts_served_total{purpose=\"install\"} 1")
          .contains("bergenholm_scripts_served_total{purpose=\"register\"} 1")
          .contains("bergenholm_registrations_total 1")
          .contains("bergenholm_installs_completed_total 1")
          .contains(
              "bergenholm_http_request_duration_seconds_bucket{route=\"/ipxe/script/{}\",le=\"+Inf\"} 2")
          .contains("jvm_memory_used_bytes")
          .doesNotContain(UUID)
          .doesNotContain("samplehost");
      Path file = dir.resolve("metrics.txt");
      Files.writeString(file, body);
      Process p =
          new ProcessBuilder("promtool", "check", "metrics")
              .redirectInput(file.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).isBlank();
    }
  }

  @Test
  void eventsAndMetricsNeedATokenWhenTokensAreOn(@TempDir Path dir) throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ro prometheus-scrape-0123456789 prometheus\n");
    HttpSettings settings =
        HttpSettings.of(TestServer.loopback()).withTokens(AccessTokens.read(tokens));
    try (TestServer s = TestServer.start(TestServer.memoryEngine(), settings)) {
      for (String path :
          List.of(
              "/metrics", "/api/1.0/events", "/api/1.0/hosts/x/events", "/api/1.0/events/stream")) {
        assertThat(s.get(path).statusCode()).as(path).isEqualTo(401);
      }
      assertThat(
              s.get("/metrics", "Authorization", "Bearer prometheus-scrape-0123456789")
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              s.get("/api/1.0/events", "Authorization", "Bearer prometheus-scrape-0123456789")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void theStreamAnswersWithinItsHeartbeatBounds() throws Exception {
    try (TestServer s = TestServer.start()) {
      assertThat(s.get("/api/1.0/events/stream?heartbeat=0").statusCode()).isEqualTo(400);
      assertThat(s.get("/api/1.0/events/stream?heartbeat=9999").statusCode()).isEqualTo(400);
    }
  }
}
