package io.bergenholm.netboot.http.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.engine.image.ImageSettings;
import io.bergenholm.engine.image.SourcePolicy;
import io.bergenholm.engine.image.TestUpstream;
import io.bergenholm.engine.store.MemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The image route over real sockets: a Netty server, a loopback upstream, real HTTP clients. */
class ImageStreamingTest {
  /** The engine's own image sources (http, https, file), as the runner gets them. */
  private final Bergenholm sources = Bergenholm.builder().store(new MemoryStore()).build();

  @TempDir Path cacheDir;
  private final Random random = new Random(0x5eedL);
  private TestUpstream upstream;
  private ImageService images;
  private TestHttpServer server;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    upstream = new TestUpstream();
    images = TestHttpServer.localImages(cacheDir, Duration.ofMillis(800), sources);
    server = new TestHttpServer(images);
    client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterEach
  void stop() throws IOException {
    sources.close();
    server.close();
    images.close();
    upstream.close();
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private void serve(String host, String path, Optional<String> sha256) {
    server.target(host, new ImageTarget("kernel", upstream.uri(path), Optional.empty(), sha256));
  }

  private HttpResponse<byte[]> get(String host, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.uri(host)).timeout(Duration.ofSeconds(20));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private List<Path> cacheFiles() throws IOException {
    try (Stream<Path> files = Files.walk(cacheDir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void getHeadAndRangeOnACachedImage() throws Exception {
    byte[] image = bytes(500_000);
    upstream.put("/vmlinuz", image);
    serve("h1", "/vmlinuz", Optional.empty());

    HttpResponse<byte[]> cold = get("h1");
    assertThat(cold.statusCode()).isEqualTo(200);
    assertThat(cold.headers().firstValueAsLong("Content-Length")).hasValue(image.length);
    assertThat(cold.body()).isEqualTo(image);

    HttpResponse<byte[]> warm = get("h1");
    assertThat(warm.statusCode()).isEqualTo(200);
    assertThat(warm.headers().firstValueAsLong("Content-Length")).hasValue(image.length);
    assertThat(warm.body()).isEqualTo(image);

    HttpResponse<byte[]> head =
        client.send(
            HttpRequest.newBuilder(server.uri("h1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(image.length);
    assertThat(head.body()).isEmpty();

    HttpResponse<byte[]> part = get("h1", "Range", "bytes=1000-1999");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range"))
        .hasValue("bytes 1000-1999/" + image.length);
    assertThat(part.body()).isEqualTo(Arrays.copyOfRange(image, 1000, 2000));

    HttpResponse<byte[]> tail = get("h1", "Range", "bytes=-100");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(image, image.length - 100, image.length));

    HttpResponse<byte[]> open = get("h1", "Range", "bytes=499990-");
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(image, 499_990, image.length));

    HttpResponse<byte[]> beyond = get("h1", "Range", "bytes=600000-");
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + image.length);

    assertThat(upstream.requests("/vmlinuz")).isEqualTo(1);
    assertThat(images.metrics().bytesServed()).isEqualTo(2L * image.length + 1000 + 100 + 10);
  }

  @Test
  void hundredConcurrentClientsOnAColdImageCauseOneUpstreamRequest() throws Exception {
    byte[] image = bytes(3_000_000);
    TestUpstream.Resource r = upstream.put("/initrd", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length / 4;
    int clients = 100;
    for (int i = 0; i < clients; i++) {
      serve("h" + i, "/initrd", Optional.of(sha256(image)));
    }
    List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      responses.add(
          client.sendAsync(
              HttpRequest.newBuilder(server.uri("h" + i)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (images.metrics().misses() < clients && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(images.metrics().misses()).isEqualTo(clients);
    r.gate.countDown();
    for (CompletableFuture<HttpResponse<byte[]>> f : responses) {
      HttpResponse<byte[]> response = f.get(30, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(image.length);
      assertThat(response.body()).isEqualTo(image);
    }
    assertThat(upstream.requests("/initrd")).isEqualTo(1);
  }

  @Test
  void hostsWithAndWithoutADigestShareOneColdDownloadAndOnlyAVerifiedImageEnds() throws Exception {
    byte[] image = bytes(2_500_000);
    TestUpstream.Resource r = upstream.put("/mixed", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length / 3;
    serve("plain", "/mixed", Optional.empty()); // first: the download does not hash as it runs
    serve("good", "/mixed", Optional.of(sha256(image)));
    serve("wrong", "/mixed", Optional.of(sha256(bytes(3))));
    List<HttpResponse<InputStream>> started = new ArrayList<>();
    for (String host : List.of("plain", "good", "wrong")) {
      started.add(
          client.send(
              HttpRequest.newBuilder(server.uri(host)).timeout(Duration.ofSeconds(20)).build(),
              HttpResponse.BodyHandlers.ofInputStream()));
    }
    assertThat(images.metrics().misses()).isEqualTo(3);
    r.gate.countDown();
    for (HttpResponse<InputStream> response : started.subList(0, 2)) {
      assertThat(response.statusCode()).isEqualTo(200);
      try (InputStream body = response.body()) {
        assertThat(body.readAllBytes()).isEqualTo(image);
      }
    }
    // The digest is computed once the image is whole; this host's differs, so its last byte never
    // comes and the connection is aborted.
    try (InputStream body = started.get(2).body()) {
      assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }
    assertThat(upstream.requests("/mixed")).isEqualTo(1);
    assertThat(images.metrics().digestsAfterward()).isEqualTo(1);
    HttpResponse<byte[]> warm = get("good");
    assertThat(warm.statusCode()).isEqualTo(200);
    assertThat(warm.body()).isEqualTo(image);
    assertThat(images.metrics().hits()).isEqualTo(1);
  }

  @Test
  void anUnknownLengthInFlightIsSentChunked() throws Exception {
    byte[] image = bytes(200_000);
    TestUpstream.Resource r = upstream.put("/nolength", image);
    r.chunked = true;
    r.gate = new CountDownLatch(1); // still in flight when the response starts
    r.gateAt = image.length / 2;
    serve("h1", "/nolength", Optional.empty());
    HttpResponse<InputStream> response =
        client.send(
            HttpRequest.newBuilder(server.uri("h1")).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
    r.gate.countDown();
    try (InputStream body = response.body()) {
      assertThat(body.readAllBytes()).isEqualTo(image);
    }
    HttpResponse<byte[]> warm = get("h1");
    assertThat(warm.headers().firstValueAsLong("Content-Length")).hasValue(image.length);
    assertThat(warm.body()).isEqualTo(image);
  }

  enum Fault {
    STALL,
    CUT,
    LONGER_LENGTH,
    WRONG_CHECKSUM,
    CUT_CHUNKED
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void aFaultMidStreamAbortsTheClientsConnectionAndTheNextRequestSucceeds(Fault fault)
      throws Exception {
    byte[] image = bytes(600_000);
    TestUpstream.Resource r = upstream.put("/bad", image);
    r.fault =
        switch (fault) {
          case STALL -> TestUpstream.Fault.STALL;
          case CUT, CUT_CHUNKED -> TestUpstream.Fault.CUT;
          case LONGER_LENGTH -> TestUpstream.Fault.LONGER_LENGTH;
          case WRONG_CHECKSUM -> TestUpstream.Fault.NONE;
        };
    r.chunked = fault == Fault.CUT_CHUNKED;
    String good = sha256(image);
    serve("h1", "/bad", Optional.of(fault == Fault.WRONG_CHECKSUM ? sha256(bytes(3)) : good));

    // The gate makes the fault come after the response began (before it, the answer is a 502).
    r.gate = new CountDownLatch(1);
    r.gateAt = 1000;
    HttpResponse<InputStream> started =
        client.send(
            HttpRequest.newBuilder(server.uri("h1")).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(started.statusCode()).isEqualTo(200);
    r.gate.countDown();
    try (InputStream body = started.body()) {
      assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }
    assertThat(cacheFiles()).isEmpty();

    r.fault = TestUpstream.Fault.NONE;
    r.gate = null;
    serve("h1", "/bad", Optional.of(good));
    HttpResponse<byte[]> retry = get("h1");
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.body()).isEqualTo(image);
  }

  @Test
  void upstreamRefusalsBeforeTheBodyBecomeStatusCodes() throws Exception {
    TestUpstream.Resource r = upstream.put("/k", bytes(10));
    serve("h1", "/k", Optional.empty());
    r.fault = TestUpstream.Fault.NOT_FOUND;
    assertThat(get("h1").statusCode()).isEqualTo(404);
    r.fault = TestUpstream.Fault.SERVER_ERROR;
    assertThat(get("h1").statusCode()).isEqualTo(502);
    assertThat(get("unknown-host").statusCode()).isEqualTo(404);
    server.target(
        "h2",
        new ImageTarget(
            "kernel",
            java.net.URI.create("gopher://127.0.0.1/k"),
            Optional.empty(),
            Optional.empty()));
    assertThat(get("h2").statusCode()).isEqualTo(400);
    HttpResponse<byte[]> post =
        client.send(
            HttpRequest.newBuilder(server.uri("h1"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void anImageWaitingForUpstreamHoldsNoWorker() throws Exception {
    // An image server that accepts connections and never answers; one worker thread in all.
    java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
    try (ImageService patient =
            new ImageService(
                new ImageSettings(
                    cacheDir.resolve("patient"),
                    1L << 30,
                    Duration.ofSeconds(60),
                    Duration.ofMinutes(5),
                    Set.of(),
                    SourcePolicy.LOCAL_UPSTREAMS),
                sources::imageSource);
        TestHttpServer oneWorker = new TestHttpServer(patient, Optional.empty(), 1)) {
      java.util.concurrent.CountDownLatch accepted = new java.util.concurrent.CountDownLatch(1);
      List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept());
                    accepted.countDown();
                  }
                } catch (IOException closed) {
                  // the test closed the server
                }
              },
              "silent-upstream");
      acceptor.setDaemon(true);
      acceptor.start();
      oneWorker.target(
          "slow",
          new ImageTarget(
              "kernel",
              java.net.URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/vmlinuz"),
              Optional.empty(),
              Optional.empty()));
      oneWorker.engine().createTemplate("hello.ipxe", "#!ipxe\necho hello");
      oneWorker
          .engine()
          .createHost(
              "fast", io.bergenholm.api.Params.of(java.util.Map.of("ipxe_script", "hello.ipxe")));

      var kernel =
          client.sendAsync(
              HttpRequest.newBuilder(oneWorker.uri("slow")).timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(accepted.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // The kernel is waiting for upstream's headers; the only worker still answers a script.
      HttpResponse<String> script =
          client.send(
              HttpRequest.newBuilder(
                      java.net.URI.create(
                          "http://127.0.0.1:" + oneWorker.port() + "/ipxe/script/fast"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(script.statusCode()).isEqualTo(200);
      assertThat(script.body()).isEqualTo("#!ipxe\necho hello");
      assertThat(kernel).isNotDone();

      silent.close();
      for (java.net.Socket s : held) {
        s.close();
      }
      HttpResponse<byte[]> failed = kernel.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(failed.statusCode()).isEqualTo(502);
      assertThat(new String(failed.body(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("\"status\":502");
    } finally {
      silent.close();
    }
  }

  @Test
  void aClientThatStopsReadingHoldsBackNobodyElse() throws Exception {
    byte[] image = bytes(8_000_000);
    upstream.put("/big", image);
    serve("h1", "/big", Optional.empty());
    serve("h2", "/big", Optional.empty());
    try (Socket stuck = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      stuck.setReceiveBufferSize(4096);
      OutputStream out = stuck.getOutputStream();
      out.write(
          "GET /ipxe/kernel/h1 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = stuck.getInputStream();
      byte[] first = new byte[16];
      assertThat(in.readNBytes(first, 0, first.length)).isEqualTo(first.length);
      assertThat(new String(first, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      // The stuck client reads nothing more; another gets the whole image meanwhile.
      HttpResponse<byte[]> other = get("h2");
      assertThat(other.body()).isEqualTo(image);
    }
    assertThat(upstream.requests("/big")).isEqualTo(1);
  }

  @Test
  void curlSeesAnAbortedTransferAsAnError() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
    byte[] image = bytes(600_000);
    TestUpstream.Resource r = upstream.put("/cut", image);
    r.fault = TestUpstream.Fault.CUT;
    r.gate = new CountDownLatch(1); // the cut comes once curl has the 200 and its headers
    r.gateAt = 1000;
    serve("h1", "/cut", Optional.empty());
    Path out = cacheDir.resolveSibling(cacheDir.getFileName() + "-curl.out");
    Path headers = cacheDir.resolveSibling(cacheDir.getFileName() + "-curl.headers");
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-o",
                out.toString(),
                "-D",
                headers.toString(),
                "--max-time",
                "20",
                server.uri("h1").toString())
            .redirectErrorStream(true)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!(Files.exists(headers) && Files.readString(headers).contains("\r\n\r\n"))
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(Files.readString(headers)).startsWith("HTTP/1.1 200");
    r.gate.countDown();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.exitValue()).as("curl said: %s", said).isEqualTo(18); // partial file
    Files.deleteIfExists(out);
    Files.deleteIfExists(headers);
  }

  @Test
  void overTlsTheImageIsCopiedInBoundedChunks(@TempDir Path tls) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/openssl"))
            && Files.isExecutable(Path.of("/usr/bin/curl")),
        "openssl or curl is not installed");
    Path cert = tls.resolve("cert.pem");
    Path key = tls.resolve("key.pem");
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1")
            .redirectErrorStream(true)
            .start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).isZero();

    byte[] image = bytes(1_500_000);
    TestUpstream.Resource r = upstream.put("/tls", image);
    r.pauseMillisPerPiece = 2; // still arriving while the first client reads
    try (TestHttpServer https =
        new TestHttpServer(
            images, Optional.of(new io.bergenholm.netboot.http.TlsFiles(cert, key)))) {
      https.target(
          "h1",
          new ImageTarget(
              "kernel", upstream.uri("/tls"), Optional.empty(), Optional.of(sha256(image))));
      for (String pass : List.of("cold", "warm")) {
        Path out = tls.resolve(pass + ".bin");
        Process curl =
            new ProcessBuilder(
                    "curl",
                    "-sS",
                    "-k",
                    "--fail",
                    "--max-time",
                    "30",
                    "-o",
                    out.toString(),
                    https.uri("h1").toString())
                .redirectErrorStream(true)
                .start();
        String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).as("%s: curl said %s", pass, said).isZero();
        assertThat(Files.readAllBytes(out)).as(pass).isEqualTo(image);
      }
    }
    assertThat(upstream.requests("/tls")).isEqualTo(1);
  }
}
