package io.bergenholm.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP image source against upstreams that send exactly the bytes each test scripts, on real
 * sockets on 127.0.0.1: what a hostile or broken upstream can send (oversized or trickled heads,
 * conflicting lengths, bad chunking, unknown codings, folded fields), the framings a correct one
 * may use (chunks with extensions and trailers, interim responses, a body cut at any point of TCP
 * segmentation), interrupts and closes from another thread, TLS with its certificate checks, and
 * HTTPS through an authenticating CONNECT proxy.
 */
class HttpImageSourceTest {
  private static final long SEED = 0x1717L;
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpImageSource source = new HttpImageSource();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /** A server that runs {@code script} on each connection it accepts, after reading the head. */
  interface Script {
    void run(String requestHead, InputStream in, OutputStream out, Socket socket) throws Exception;
  }

  private final List<String> heads = new CopyOnWriteArrayList<>();

  private URI upstream(Script script) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closing.add(server);
    threads.execute(() -> serve(server, script));
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/image");
  }

  private void serve(ServerSocket server, Script script) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        threads.execute(
            () -> {
              try (s) {
                String head = readHead(s.getInputStream());
                heads.add(head);
                script.run(head, s.getInputStream(), s.getOutputStream(), s);
              } catch (Exception e) {
                // The client went away or the test ended.
              }
            });
      } catch (IOException e) {
        return;
      }
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    for (int c; state < 4 && (c = in.read()) >= 0; ) {
      b.write(c);
      state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static void send(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private ImageResponse fetch(URI uri) {
    return source.fetch(ImageRequest.of(uri, TIMEOUT));
  }

  private byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void theRequestIsAPlainGetWithHostAndNoSecretsButTheUrlsOwnBasicCredentials() throws Exception {
    URI uri =
        upstream((head, in, out, s) -> send(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    URI withUser =
        URI.create("http://boot:s%3Acret@127.0.0.1:" + uri.getPort() + "/image?v=1#frag");
    try (ImageResponse r = fetch(withUser)) {
      assertThat(r.body().readAllBytes()).isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));
      assertThat(r.contentLength()).hasValue(2);
    }
    String head = heads.get(0);
    assertThat(head).startsWith("GET /image?v=1 HTTP/1.1\r\n");
    assertThat(head).contains("\r\nHost: 127.0.0.1:" + uri.getPort() + "\r\n");
    assertThat(head)
        .contains(
            "\r\nAuthorization: Basic "
                + Base64.getEncoder().encodeToString("boot:s:cret".getBytes(StandardCharsets.UTF_8))
                + "\r\n");
    assertThat(head).doesNotContain("frag").doesNotContain("Proxy-Authorization");
  }

  @Test
  void anAddressThatRefusesIsPassedOverForTheNextOfTheName() throws Exception {
    URI uri =
        upstream((head, in, out, s) -> send(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    // The upstream listens on 127.0.0.1 only: 127.0.0.2 refuses the same port.
    InetAddress[] addresses = {
      InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.1")
    };
    try (UpstreamConnection c =
        UpstreamConnection.open(uri.toString(), addresses, uri.getPort(), TIMEOUT)) {
      c.send(List.of("GET /image HTTP/1.1", "Host: 127.0.0.1", "Connection: close"));
      UpstreamConnection.Head head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(c.body(head).readAllBytes()).isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void aResponseHeadOverTheLimitsIsRefusedWithoutReadingItAll() throws Exception {
    // Many small fields hit the count; fewer large ones the size of the head.
    String[][] floods = {
      {"X-F: 1\r\n", "more than " + UpstreamConnection.MAX_FIELDS + " header fields"},
      {
        "X-Filler: " + "a".repeat(1000) + "\r\n",
        "head over " + UpstreamConnection.MAX_HEAD + " bytes"
      }
    };
    for (String[] flood : floods) {
      CountDownLatch gaveUp = new CountDownLatch(1);
      URI uri =
          upstream(
              (head, in, out, s) -> {
                send(out, "HTTP/1.1 200 OK\r\n");
                // Up to 1 GB of header fields, if the client kept reading.
                try {
                  for (int i = 0; i < 1_000_000; i++) {
                    send(out, flood[0]);
                  }
                } catch (IOException e) {
                  gaveUp.countDown();
                }
              });
      assertThatThrownBy(() -> fetch(uri))
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining(flood[1]);
      assertThat(gaveUp.await(10, TimeUnit.SECONDS)).as(flood[1]).isTrue();
    }
  }

  @Test
  void oneEndlessHeaderLineIsRefused() throws Exception {
    URI uri =
        upstream(
            (head, in, out, s) -> {
              send(out, "HTTP/1.1 200 OK\r\nX-Long: ");
              for (int i = 0; i < 10_000; i++) {
                send(out, "b".repeat(1000));
              }
            });
    assertThatThrownBy(() -> fetch(uri))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("line over " + UpstreamConnection.MAX_LINE + " bytes");
  }

  @Test
  void aHeadTrickledByteByByteMustStillArriveWithinTheTimeout() throws Exception {
    URI uri =
        upstream(
            (head, in, out, s) -> {
              // Each byte comes well within the read timeout; the whole head would take 60 s.
              for (byte b :
                  "HTTP/1.1 200 OK\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
                Thread.sleep(1000);
              }
            });
    long started = System.nanoTime();
    assertThatThrownBy(() -> fetch(uri))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("sent no response within " + TIMEOUT.toMillis() + " ms");
    // The bound is the head deadline (2 s) with a wide margin, far below the 60 s of the trickle.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aTlsHandshakeTrickledByteByByteMustStillEndWithinTheTimeout() throws Exception {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closing.add(server);
    threads.execute(
        () -> {
          try (Socket s = server.accept()) {
            s.getInputStream().read(new byte[4096]); // the ClientHello
            OutputStream out = s.getOutputStream();
            // A handshake record announcing 16 KiB, then its bytes one by one, each well within
            // the read timeout: the record alone would take more than an hour.
            out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
            for (int i = 0; i < 16 * 1024; i++) {
              out.write(0x0b);
              out.flush();
              Thread.sleep(250);
            }
          } catch (Exception e) {
            // The client gave up, or the test ended.
          }
        });
    URI uri = URI.create("https://127.0.0.1:" + server.getLocalPort() + "/image");
    long started = System.nanoTime();
    assertThatThrownBy(() -> fetch(uri))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("TLS handshake with")
        .hasMessageContaining("took longer than " + TIMEOUT.toMillis() + " ms");
    // The bound is the handshake deadline (2 s) with a wide margin, far below the trickle's hour.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void malformedFramingIsAnErrorNeverAGuess() throws Exception {
    String[] heads = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: value\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/2 200\r\nContent-Length: 0\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
    };
    for (String response : heads) {
      URI uri = upstream((head, in, out, s) -> send(out, response));
      assertThatThrownBy(() -> fetch(uri).body().readAllBytes())
          .as(response)
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining(uri.toString());
    }
  }

  @Test
  void badChunksFailTheBodyAfterAGoodStart() throws Exception {
    String[] bodies = {
      "5\r\nhello\r\nzz\r\nab\r\n0\r\n\r\n", // not hex
      "5\r\nhello\r\n10000000000000000\r\n", // over 2^60
      "5\r\nhelloEXTRA\r\n0\r\n\r\n", // a chunk longer than its size
      "5\r\nhello\r\n3\r\nab", // cut inside a chunk
      "5\r\nhello\r\n", // cut before the last chunk
    };
    for (String body : bodies) {
      URI uri =
          upstream(
              (head, in, out, s) ->
                  send(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body));
      try (ImageResponse r = fetch(uri)) {
        assertThat(r.contentLength()).isEmpty();
        assertThatThrownBy(() -> r.body().readAllBytes())
            .as(body)
            .isInstanceOf(IOException.class)
            .hasMessageContaining(uri.toString());
      }
    }
  }

  @Test
  void aBodyShorterThanItsLengthFailsAndALongerOneIsCutAtTheLength() throws Exception {
    URI shortOne =
        upstream(
            (head, in, out, s) -> send(out, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345"));
    try (ImageResponse r = fetch(shortOne)) {
      assertThatThrownBy(() -> r.body().readAllBytes())
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ended after 5 of 10 bytes");
    }
    URI longOne =
        upstream(
            (head, in, out, s) ->
                send(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345MORE BYTES"));
    try (ImageResponse r = fetch(longOne)) {
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("12345");
    }
  }

  @Test
  void interimResponsesAreSkippedButNotWithoutEnd() throws Exception {
    URI uri =
        upstream(
            (head, in, out, s) ->
                send(
                    out,
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
    try (ImageResponse r = fetch(uri)) {
      assertThat(r.body().readAllBytes()).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
    }
    URI endless =
        upstream(
            (head, in, out, s) -> {
              for (int i = 0; i < 1000; i++) {
                send(out, "HTTP/1.1 100 Continue\r\n\r\n");
              }
            });
    assertThatThrownBy(() -> fetch(endless))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("interim responses");
  }

  /**
   * Property over seeded cases: whatever chunk sizes, extensions and trailers the upstream uses,
   * and however TCP splits the bytes, the body read (as a stream or as a channel into a direct
   * buffer) is exactly the image, and the same cut short anywhere is an error.
   */
  @Test
  void anyChunkingAndSegmentationGivesTheImageAndAnyCutIsAnError() throws Exception {
    Random random = new Random(SEED);
    for (int round = 0; round < 40; round++) {
      byte[] image = bytes(random, random.nextInt(300_000));
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      boolean chunked = random.nextBoolean();
      wire.writeBytes(
          ("HTTP/1.1 200 OK\r\n"
                  + (chunked
                      ? "Transfer-Encoding: chunked\r\n"
                      : "Content-Length: " + image.length + "\r\n")
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      if (chunked) {
        for (int at = 0; at < image.length; ) {
          int n = Math.min(image.length - at, 1 + random.nextInt(70_000));
          String ext = random.nextBoolean() ? ";name=value" : "";
          wire.writeBytes(
              (Integer.toHexString(n) + ext + "\r\n").getBytes(StandardCharsets.US_ASCII));
          wire.write(image, at, n);
          wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
          at += n;
        }
        wire.writeBytes(
            ("0\r\n" + (random.nextBoolean() ? "X-Trailer: t\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
      } else {
        wire.writeBytes(image);
      }
      byte[] all = wire.toByteArray();
      boolean cut = random.nextInt(3) == 0 && image.length > 0;
      int sendLength =
          cut ? all.length - 1 - random.nextInt(Math.min(image.length, 1000)) : all.length;
      long segmentSeed = random.nextLong();
      URI uri =
          upstream(
              (head, in, out, s) -> {
                Random segments = new Random(segmentSeed);
                for (int at = 0; at < sendLength; ) {
                  int n = Math.min(sendLength - at, 1 + segments.nextInt(20_000));
                  out.write(all, at, n);
                  out.flush();
                  at += n;
                }
              });
      boolean asChannel = random.nextBoolean();
      try (ImageResponse r = fetch(uri)) {
        if (cut) {
          assertThatThrownBy(() -> readAll(r.body(), asChannel))
              .as("round %d", round)
              .isInstanceOf(IOException.class);
        } else {
          assertThat(readAll(r.body(), asChannel)).as("round %d", round).isEqualTo(image);
        }
      }
    }
  }

  private static byte[] readAll(InputStream body, boolean asChannel) throws IOException {
    if (!asChannel) {
      return body.readAllBytes();
    }
    ReadableByteChannel channel = (ReadableByteChannel) body;
    ByteBuffer direct = ByteBuffer.allocateDirect(64 * 1024);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (channel.read(direct) >= 0) {
      direct.flip();
      byte[] b = new byte[direct.remaining()];
      direct.get(b);
      out.writeBytes(b);
      direct.clear();
    }
    return out.toByteArray();
  }

  /** An upstream that sends {@code first} and then nothing more until the test ends. */
  private URI stalling(String first) throws IOException {
    CountDownLatch release = new CountDownLatch(1);
    closing.add(release::countDown);
    return upstream(
        (head, in, out, s) -> {
          send(out, first);
          release.await(60, TimeUnit.SECONDS);
        });
  }

  @Test
  void anInterruptEndsAWaitForBodyBytesAtOnce() throws Exception {
    URI uri = stalling("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n12345");
    ImageResponse r =
        source.fetch(ImageRequest.of(uri, Duration.ofSeconds(60))); // the timeout does not help
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<Boolean> flagSet = new AtomicReference<>();
    CountDownLatch reading = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try {
                reading.countDown();
                r.body().readAllBytes();
              } catch (IOException e) {
                failure.set(e);
                flagSet.set(Thread.currentThread().isInterrupted());
              }
            });
    reader.start();
    reading.await();
    Thread.sleep(200); // let it block in the read
    reader.interrupt();
    reader.join(10_000);
    assertThat(reader.isAlive()).isFalse();
    assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
    assertThat(flagSet.get()).isTrue();
    r.close();
  }

  @Test
  void closingTheResponseFromAnotherThreadEndsABlockedRead() throws Exception {
    URI uri = stalling("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    ImageResponse r = source.fetch(ImageRequest.of(uri, Duration.ofSeconds(60)));
    Future<byte[]> read = threads.submit(() -> r.body().readAllBytes());
    Thread.sleep(200);
    r.close();
    assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
  }

  // --- TLS -------------------------------------------------------------------------------------

  /** A self-signed certificate for 127.0.0.1 (or only for the name given), made by keytool. */
  private static KeyStore keyStore(Path dir, String san) throws Exception {
    Path file = dir.resolve("server-" + san.replace(':', '-') + ".p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-dname",
                "CN=upstream",
                "-ext",
                "SAN=" + san,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, "changeit".toCharArray());
    }
    return ks;
  }

  private URI tlsUpstream(KeyStore ks, byte[] image) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    SSLServerSocket socket =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closing.add(socket);
    threads.execute(
        () ->
            serve(
                socket,
                (head, in, out, s) -> {
                  send(out, "HTTP/1.1 200 OK\r\nContent-Length: " + image.length + "\r\n\r\n");
                  out.write(image);
                  out.flush();
                }));
    return URI.create("https://127.0.0.1:" + socket.getLocalPort() + "/image");
  }

  private static SSLSocketFactory trusting(KeyStore ks) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("upstream", ks.getCertificate("server"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), null);
    return c.getSocketFactory();
  }

  @Test
  void httpsChecksTheCertificateAndTheName(@TempDir Path dir) throws Exception {
    byte[] image = bytes(new Random(SEED), 3 * 1024 * 1024 + 7);
    KeyStore good = keyStore(dir, "IP:127.0.0.1");
    URI uri = tlsUpstream(good, image);
    try (ImageResponse r =
        new HttpImageSource(trusting(good)).fetch(ImageRequest.of(uri, TIMEOUT))) {
      assertThat(readAll(r.body(), true)).isEqualTo(image);
    }
    // The JVM's default trust does not know this certificate.
    assertThatThrownBy(() -> fetch(uri))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining(uri.toString());
    // Trusted, but issued for another name than the one connected to.
    KeyStore otherName = keyStore(dir, "DNS:mirror.example");
    URI wrongName = tlsUpstream(otherName, image);
    assertThatThrownBy(
            () ->
                new HttpImageSource(trusting(otherName)).fetch(ImageRequest.of(wrongName, TIMEOUT)))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining(wrongName.toString());
  }

  @Test
  void httpsGoesThroughTheProxysTunnelAnsweringItsChallenge(@TempDir Path dir) throws Exception {
    byte[] image = bytes(new Random(SEED + 1), 500_000);
    KeyStore ks = keyStore(dir, "IP:127.0.0.1");
    URI target = tlsUpstream(ks, image);
    String credentials =
        "Basic "
            + Base64.getEncoder().encodeToString("boot:pr0xy".getBytes(StandardCharsets.UTF_8));
    List<String> connects = new CopyOnWriteArrayList<>();
    URI proxy =
        upstream(
            (head, in, out, s) -> {
              connects.add(head);
              if (!head.contains("\r\nProxy-Authorization: " + credentials + "\r\n")) {
                send(
                    out,
                    "HTTP/1.1 407 Proxy Authentication Required\r\n"
                        + "Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n");
                return;
              }
              int port = Integer.parseInt(head.split(" ")[1].split(":")[1]);
              try (Socket up = new Socket(InetAddress.getLoopbackAddress(), port)) {
                send(out, "HTTP/1.1 200 Connection established\r\n\r\n");
                Future<?> back = threads.submit(() -> up.getInputStream().transferTo(out));
                in.transferTo(up.getOutputStream());
                back.get(30, TimeUnit.SECONDS);
              }
            });
    HttpImageSource trustingSource = new HttpImageSource(trusting(ks));
    try (ImageResponse r =
        trustingSource.fetch(through(target, "http://boot:pr0xy@127.0.0.1:" + proxy.getPort()))) {
      assertThat(readAll(r.body(), false)).isEqualTo(image);
    }
    assertThat(connects).hasSize(2);
    assertThat(connects.get(0))
        .startsWith("CONNECT 127.0.0.1:" + target.getPort() + " HTTP/1.1\r\n")
        .doesNotContain("Proxy-Authorization");
    // Wrong credentials: refused after the one answer, with neither password in the message.
    assertThatThrownBy(
            () ->
                trustingSource.fetch(
                    through(target, "http://boot:wr0ng@127.0.0.1:" + proxy.getPort())))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("refused the credentials")
        .hasMessageNotContaining("wr0ng")
        .hasMessageNotContaining("pr0xy");
  }

  private static ImageRequest through(URI target, String proxy) {
    return new ImageRequest(
        target, Optional.of(URI.create(proxy)), Optional.empty(), Optional.empty(), TIMEOUT);
  }
}
