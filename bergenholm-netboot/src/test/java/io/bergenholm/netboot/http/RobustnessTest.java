package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.Bergenholm;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Limits, framing, keep-alive, and a store that fails or hangs. */
class RobustnessTest {
  private static TestServer withLimits(Limits limits) {
    return TestServer.start(
            TestServer.memoryEngine(), HttpSettings.of(TestServer.loopback()).withLimits(limits))
        .seeded();
  }

  @Test
  void refusesOversizedBodiesHeadersAndLines() throws Exception {
    try (TestServer s = withLimits(new Limits(1024, 2048, 512, 5, 10))) {
      assertError(
          s.send("POST", "/api/1.0/hosts/big", "{\"a\": \"" + "x".repeat(2000) + "\"}"),
          413,
          "1024");
      assertThat(s.get("/api/1.0/hosts/big").statusCode()).isEqualTo(404);
      assertError(s.get("/api/1.0/hosts/samplehost", "X-Big", "y".repeat(3000)), 431, "headers");
      assertError(s.get("/api/1.0/hosts/" + "z".repeat(600)), 414, "too long");
      assertError(
          s.send("POST", "/api/1.0/hosts/deep", "{\"a\": [[[[[[[[1]]]]]]]]}"), 400, "depth");
      StringBuilder many = new StringBuilder("{");
      for (int i = 0; i < 11; i++) {
        many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\": ").append(i);
      }
      assertError(
          s.send("POST", "/api/1.0/hosts/many", many.append('}').toString()), 400, "at most 10");
      assertError(
          s.get("/api/1.0/hosts/?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11"),
          400,
          "query parameters");
      assertThat(s.get("/api/1.0/hosts/?a=1").statusCode()).isEqualTo(200);

      // curl sends Expect: 100-continue for large bodies; the answer is the same JSON 413.
      Process curl =
          new ProcessBuilder(
                  "curl",
                  "-s",
                  "-o",
                  "-",
                  "-w",
                  "\n%{http_code}",
                  "-X",
                  "POST",
                  "-H",
                  "Expect: 100-continue",
                  "--data-binary",
                  "{\"a\": \"" + "x".repeat(5000) + "\"}",
                  s.base + "/api/1.0/hosts/big")
              .redirectErrorStream(true)
              .start();
      assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String out =
          new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(out).endsWith("\n413").contains("larger than 1024");
    }
  }

  @Test
  void keepsConnectionsAliveWithExactContentLengthsInOrder() throws Exception {
    try (TestServer s = TestServer.start().seeded();
        RawHttp raw = new RawHttp(s.server.bootAddress().getPort())) {
      // Pipelined: a slow render and fast answers must come back in request order.
      raw.write(
          "GET /ipxe/script/samplehost HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /api/1.0/nothing HTTP/1.1\r\nHost: t\r\n\r\n"
              + "POST /api/1.0/hosts/k1 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"
              + "DELETE /api/1.0/hosts/k1 HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /api/1.0/hosts/k1 HTTP/1.1\r\nHost: t\r\n\r\n");
      RawHttp.Response script = raw.read(false);
      assertThat(script.status()).isEqualTo(200);
      assertThat(script.text()).startsWith("#!ipxe");
      assertThat(script.headers().get("content-length"))
          .isEqualTo(Integer.toString(script.body().length));
      assertThat(raw.read(false).text()).contains("\"ok\"");
      assertThat(raw.read(false).status()).isEqualTo(404);
      RawHttp.Response created = raw.read(false);
      assertThat(created.status()).isEqualTo(201);
      assertThat(created.headers().get("content-length")).isEqualTo("0");
      RawHttp.Response deleted = raw.read(false);
      assertThat(deleted.status()).isEqualTo(204);
      RawHttp.Response gone = raw.read(false);
      assertThat(gone.status()).isEqualTo(404);
      assertThat(gone.headers().get("content-length"))
          .isEqualTo(Integer.toString(gone.body().length));

      // Still open: one more request on the same connection.
      raw.write("GET /ipxe/script/default HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(raw.read(false).text()).startsWith("#!ipxe");

      raw.write("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      RawHttp.Response last = raw.read(false);
      assertThat(last.headers().get("connection")).isEqualTo("close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void closesAfterHttp10WithoutKeepAlive() throws Exception {
    try (TestServer s = TestServer.start().seeded();
        RawHttp raw = new RawHttp(s.server.bootAddress().getPort())) {
      raw.write("GET /ipxe/script/samplehost HTTP/1.0\r\n\r\n");
      RawHttp.Response r = raw.read(false);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("content-length")).isEqualTo(Integer.toString(r.body().length));
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void answersMalformedRequestsWithJson() throws Exception {
    try (TestServer s = TestServer.start();
        RawHttp raw = new RawHttp(s.server.bootAddress().getPort())) {
      raw.write("GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n");
      RawHttp.Response r = raw.read(false);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.text()).contains("\"error\"");
    }
  }

  @Test
  void answers503WhenTheStoreIsDown() {
    Bergenholm memory = TestServer.memoryEngine();
    GatedStore store = new GatedStore(memory.store());
    Bergenholm engine = Bergenholm.builder().store(store).build();
    try (TestServer s = TestServer.start(engine, HttpSettings.of(TestServer.loopback())).seeded()) {
      store.down = true;
      assertError(s.get("/api/1.0/hosts/samplehost"), 503, "unreachable");
      assertError(s.get("/ipxe/script/samplehost"), 503, "unreachable");
      assertError(s.send("PUT", "/api/1.0/hosts/samplehost", "{}"), 503, "unreachable");
      assertError(s.get("/readyz"), 503, "unreachable");
      assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
      store.down = false;
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(s.get("/api/1.0/hosts/samplehost").statusCode()).isEqualTo(200);
    } finally {
      memory.close();
    }
  }

  @Test
  void aHungStoreDoesNotStallOtherRequests() throws Exception {
    Bergenholm memory = TestServer.memoryEngine();
    GatedStore store = new GatedStore(memory.store());
    Bergenholm engine = Bergenholm.builder().store(store).build();
    try (TestServer s = TestServer.start(engine, HttpSettings.of(TestServer.loopback())).seeded()) {
      CountDownLatch hang = new CountDownLatch(1);
      store.hang = hang;
      CompletableFuture<HttpResponse<String>> stuck =
          CompletableFuture.supplyAsync(() -> s.get("/api/1.0/hosts/samplehost"));
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
        assertThat(s.get("/ipxe/boot.ipxe").statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
      }
      assertThat(stuck).isNotDone();
      store.hang = null;
      hang.countDown();
      assertThat(stuck.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } finally {
      memory.close();
    }
  }
}
