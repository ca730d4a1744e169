package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.Bergenholm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The attacks on the HTTP transport of the boot side, each over real sockets against a running
 * server: too many connections, a trickled request, pipelined requests whose answers are never
 * read, an oversized body sent whole, a registration flood, and cross-site browser writes.
 */
class TransportLimitsTest {

  private static TestServer start(TransportLimits limits) {
    return TestServer.start(
        TestServer.memoryEngine(), HttpSettings.of(TestServer.loopback()).withTransport(limits));
  }

  private static int port(TestServer s) {
    return s.server.bootAddress().getPort();
  }

  @Test
  void connectionsBeyondThePerAddressCapAreRefusedWhileOtherAddressesAreServed() throws Exception {
    try (TestServer s = start(TransportLimits.defaults().withConnections(100, 5))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) { // half-open: connected, never a byte sent
          held.add(new Socket(InetAddress.getByName("127.0.0.1"), port(s)));
        }
        // Accepted connections are set up on several event loops: let the five be counted first,
        // so that the sixth is the one beyond the cap.
        Thread.sleep(500);
        try (RawHttp sixth = new RawHttp("127.0.0.1", port(s))) {
          RawHttp.Response r = sixth.read(false);
          assertThat(r.status()).isEqualTo(503);
          assertThat(r.headers()).containsEntry("retry-after", "1");
          assertThat(sixth.closedByServer()).isTrue();
        }
        try (RawHttp other = new RawHttp("127.0.0.2", port(s))) {
          other.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
          assertThat(other.read(false).status()).isEqualTo(200);
        }
      } finally {
        for (Socket h : held) {
          h.close();
        }
      }
      // The slots come back when the connections close.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int status = 0;
      while (System.nanoTime() < deadline && status != 200) {
        try (RawHttp again = new RawHttp("127.0.0.1", port(s))) {
          again.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
          status = again.read(false).status();
        } catch (IOException e) {
          status = 0;
        }
      }
      assertThat(status).isEqualTo(200);
    }
  }

  @Test
  void theTotalConnectionCapHolds() throws Exception {
    try (TestServer s = start(TransportLimits.defaults().withConnections(3, 3))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          held.add(
              new Socket(
                  InetAddress.getByName("127.0.0.1"),
                  port(s),
                  InetAddress.getByName("127.0.0." + (i + 2)),
                  0));
        }
        Thread.sleep(500);
        try (RawHttp fourth = new RawHttp("127.0.0.9", port(s))) {
          assertThat(fourth.read(false).status()).isEqualTo(503);
        }
      } finally {
        for (Socket h : held) {
          h.close();
        }
      }
    }
  }

  @Test
  void aTrickledBodyLosesItsConnectionAtTheRequestDeadline() throws Exception {
    // The idle timer is two minutes and every byte resets it; only the request deadline ends this.
    try (TestServer s =
            start(TransportLimits.defaults().withRequestReadTimeout(Duration.ofSeconds(1)));
        Socket socket = new Socket("127.0.0.1", port(s))) {
      socket.setSoTimeout(200);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(
          ("POST /api/1.0/hosts/trickle HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 100\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      boolean closed = false;
      int sent = 0;
      for (int i = 0; i < 50 && !closed; i++) { // at most 10 s
        try {
          out.write(' ');
          out.flush();
          sent++;
        } catch (SocketException e) {
          closed = true;
          break;
        }
        try {
          closed = in.read() == -1;
        } catch (java.net.SocketTimeoutException e) {
          // still open
        } catch (SocketException e) {
          closed = true;
        }
      }
      assertThat(closed).as("the server closed the trickling connection").isTrue();
      assertThat(sent).isLessThan(50);
      assertThat(s.engine.host("trickle")).isEmpty();
    }
  }

  @Test
  void aTrickledHeadLosesItsConnectionToo() throws Exception {
    try (TestServer s =
            start(TransportLimits.defaults().withRequestReadTimeout(Duration.ofSeconds(1)));
        Socket socket = new Socket("127.0.0.1", port(s))) {
      socket.setSoTimeout(200);
      byte[] head =
          "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              .getBytes(StandardCharsets.US_ASCII);
      boolean closed = false;
      for (int i = 0; i < head.length && !closed; i++) {
        try {
          socket.getOutputStream().write(head[i]);
          socket.getOutputStream().flush();
          closed = socket.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
          // still open
        } catch (SocketException e) {
          closed = true;
        }
      }
      assertThat(closed).isTrue();
    }
  }

  @Test
  void pipelinedRequestsBehindAStalledAnswerHoldBoundedMemory() throws Exception {
    Bergenholm memory = TestServer.memoryEngine();
    GatedStore store = new GatedStore(memory.store());
    Bergenholm engine = Bergenholm.builder().store(store).build();
    try (TestServer s = TestServer.start(engine, HttpSettings.of(TestServer.loopback()))) {
      CountDownLatch hang = new CountDownLatch(1);
      store.hang = hang; // the first request waits in the store: every later one queues behind it
      byte[] body = new byte[900_000];
      java.util.Arrays.fill(body, (byte) ' ');
      body[0] = '{';
      body[body.length - 1] = '}';
      byte[] head =
          ("PUT /api/1.0/hosts/h HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      long before = usedHeap();
      List<Socket> sockets = new ArrayList<>();
      List<Thread> writers = new ArrayList<>();
      AtomicLong requestsWritten = new AtomicLong();
      for (int c = 0; c < 2; c++) {
        Socket socket = new Socket("127.0.0.1", port(s));
        sockets.add(socket);
        Thread w =
            new Thread(
                () -> {
                  try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < 120; i++) {
                      out.write(head);
                      out.write(body);
                      requestsWritten.incrementAndGet();
                    }
                  } catch (IOException e) {
                    // the socket is closed at the end of the test
                  }
                });
        w.setDaemon(true);
        w.start();
        writers.add(w);
      }
      Thread.sleep(3000); // let the writers push what the server will read
      long grown = usedHeap() - before;
      // 2 x 120 x 900 KB would be 216 MB; the bound is a few requests per connection.
      assertThat(grown).as("heap growth in bytes").isLessThan(64L << 20);
      assertThat(requestsWritten.get()).as("requests the server let in").isLessThan(2 * 40);
      hang.countDown();
      store.hang = null;
      for (Socket so : sockets) {
        so.close();
      }
      for (Thread w : writers) {
        w.join(10_000);
        assertThat(w.isAlive()).isFalse();
      }
      assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
    } finally {
      memory.close();
    }
  }

  private static long usedHeap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  @Test
  void aWholeTenMegabyteBodyGetsThe413NotAReset() throws Exception {
    try (TestServer s = TestServer.start()) {
      for (int round = 0; round < 3; round++) {
        try (Socket socket = new Socket("127.0.0.1", port(s))) {
          socket.setSoTimeout(10_000);
          int size = 10 << 20;
          OutputStream out = socket.getOutputStream();
          out.write(
              ("POST /api/1.0/hosts/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + "Content-Length: "
                      + size
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = new byte[64 << 10];
          java.util.Arrays.fill(chunk, (byte) ' ');
          for (int sent = 0; sent < size; sent += chunk.length) {
            out.write(chunk); // a reset would fail this write
          }
          out.flush();
          String answer =
              new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
          assertThat(answer).startsWith("HTTP/1.1 413 ").contains("larger than");
        }
      }
      assertThat(s.engine.host("big")).isEmpty();
    }
  }

  @Test
  void aRegistrationFloodFromOneAddressIsRefusedWhileAnotherAddressRegisters() throws Exception {
    try (TestServer s = start(TransportLimits.defaults().withRegistrations(10, 10, 5000))) {
      int created = 0;
      int limited = 0;
      String retryAfter = null;
      try (RawHttp flood = new RawHttp("127.0.0.1", port(s))) {
        for (int i = 0; i < 1000; i++) {
          flood.write(
              "GET /ipxe/register/" + uuid(i) + "?hostname=n" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
          RawHttp.Response r = flood.read(false);
          if (r.status() == 201) {
            created++;
          } else {
            assertThat(r.status()).isEqualTo(429);
            retryAfter = r.headers().get("retry-after");
            limited++;
          }
        }
      }
      assertThat(created).isBetween(10, 12); // the burst, and what refilled while the flood ran
      assertThat(limited).isEqualTo(1000 - created);
      assertThat(Integer.parseInt(retryAfter)).isPositive();
      assertThat(s.engine.listHosts(java.util.Map.of())).hasSize(created);
      try (RawHttp other = new RawHttp("127.0.0.2", port(s))) {
        other.write(
            "GET /ipxe/register/" + uuid(5000) + "?hostname=other HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(other.read(false).status()).isEqualTo(201);
      }
      assertThat(s.engine.host(uuid(5000))).isPresent();
    }
  }

  @Test
  void registrationsStopAtTheCapOfUnassignedHosts() throws Exception {
    try (TestServer s = start(TransportLimits.defaults().withRegistrations(600, 100, 3))) {
      for (int i = 0; i < 3; i++) {
        assertThat(s.get("/ipxe/register/" + uuid(i)).statusCode()).isEqualTo(201);
      }
      var refused = s.get("/ipxe/register/" + uuid(3));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.body()).contains("waiting for an operator");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      // An operator assigns one: there is room again.
      s.engine.replaceHost(
          uuid(0),
          io.bergenholm.api.Params.of(java.util.Map.of("groups", List.of("default", "x"))),
          java.util.Optional.empty());
      assertThat(s.get("/ipxe/register/" + uuid(3)).statusCode()).isEqualTo(201);
    }
  }

  private static String uuid(int i) {
    return String.format("00000000-0000-4000-8000-%012d", i);
  }

  @Test
  void crossSiteBrowserWritesAreRefusedAndScriptsStillWrite() throws Exception {
    try (TestServer s = TestServer.start()) {
      String form = "{\"groups\": []}";
      // A form on another site, posted by a browser: Origin of that site.
      var evil =
          s.send(
              "POST",
              "/api/1.0/hosts/evil1",
              form,
              "Content-Type",
              "application/x-www-form-urlencoded",
              "Origin",
              "http://evil.example");
      assertThat(evil.statusCode()).isEqualTo(403);
      var fetchMeta =
          s.send(
              "POST",
              "/api/1.0/hosts/evil2",
              form,
              "Content-Type",
              "text/plain",
              "Sec-Fetch-Site",
              "cross-site");
      assertThat(fetchMeta.statusCode()).isEqualTo(403);
      var nullOrigin = s.send("POST", "/api/1.0/groups/evil3", form, "Origin", "null");
      assertThat(nullOrigin.statusCode()).isEqualTo(403);
      var multipart =
          s.send(
              "POST",
              "/api/1.0/hosts/evil4",
              form,
              "Content-Type",
              "multipart/form-data; boundary=x");
      assertThat(multipart.statusCode()).isEqualTo(403);
      var mark =
          s.send(
              "GET", "/api/1.0/hosts/evil1?installed=mark", null, "Sec-Fetch-Site", "cross-site");
      assertThat(mark.statusCode()).isEqualTo(403);
      assertThat(s.engine.listHosts(java.util.Map.of())).isEmpty();
      assertThat(s.engine.listGroups()).isEmpty();

      // What the README's curl example sends: a form content type, no Origin.
      assertThat(
              s.send(
                      "POST",
                      "/api/1.0/hosts/curl",
                      form,
                      "Content-Type",
                      "application/x-www-form-urlencoded")
                  .statusCode())
          .isEqualTo(201);
      // The CLI: JSON.
      assertThat(
              s.send("POST", "/api/1.0/hosts/cli", form, "Content-Type", "application/json")
                  .statusCode())
          .isEqualTo(201);
      // A page of this server itself.
      assertThat(
              s.send(
                      "POST",
                      "/api/1.0/hosts/same",
                      form,
                      "Content-Type",
                      "application/json",
                      "Origin",
                      s.base,
                      "Sec-Fetch-Site",
                      "same-origin")
                  .statusCode())
          .isEqualTo(201);
      // Reads are not writes.
      assertThat(s.get("/api/1.0/hosts/", "Sec-Fetch-Site", "cross-site").statusCode())
          .isEqualTo(200);
    }
  }
}
