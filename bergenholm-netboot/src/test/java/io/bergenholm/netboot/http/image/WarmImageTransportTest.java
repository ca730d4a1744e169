package io.bergenholm.netboot.http.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.engine.image.TestUpstream;
import io.bergenholm.engine.store.MemoryStore;
import io.netty.channel.epoll.Epoll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A cached image over one keep-alive connection, on both transports: on epoll the body goes out
 * corked (full segments, as nginx's {@code tcp_nopush}) and the cork comes off when it is done, so
 * the same connection's next answer is sent at once rather than after the kernel's 200 ms cork
 * timer; on NIO the same bytes go out without a cork.
 */
class WarmImageTransportTest {
  private final Bergenholm sources = Bergenholm.builder().store(new MemoryStore()).build();
  @TempDir Path cacheDir;
  private TestUpstream upstream;
  private ImageService images;
  private TestHttpServer server;

  @BeforeEach
  void start() throws Exception {
    upstream = new TestUpstream();
    images = TestHttpServer.localImages(cacheDir, Duration.ofSeconds(5), sources);
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    images.close();
    upstream.close();
    sources.close();
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aCachedImageAndTheNextAnswerOnTheSameConnection(boolean nativeTransport) throws Exception {
    server = new TestHttpServer(images, nativeTransport);
    assertThat(server.server().nativeTransport()).isEqualTo(nativeTransport && Epoll.isAvailable());
    byte[] image = new byte[3 * 1024 * 1024 + 333]; // not a whole number of segments
    new Random(0x5eedL).nextBytes(image);
    upstream.put("/vmlinuz", image);
    server.target(
        "h1",
        new ImageTarget("kernel", upstream.uri("/vmlinuz"), Optional.empty(), Optional.empty()));
    String path = "/ipxe/kernel/h1";
    List<Long> nextAnswer = new ArrayList<>();
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(20_000);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      for (int round = 0; round < 10; round++) {
        send(out, path, "");
        assertThat(readResponse(in)).isEqualTo(image);
        long started = System.nanoTime();
        send(out, path, "Range: bytes=10-19\r\n");
        assertThat(readResponse(in)).isEqualTo(Arrays.copyOfRange(image, 10, 20));
        nextAnswer.add(System.nanoTime() - started);
      }
    }
    assertThat(upstream.requests("/vmlinuz")).isEqualTo(1);
    // A cork left on would hold each of these small answers for 200 ms; the median is far below
    // that even on a loaded machine.
    Collections.sort(nextAnswer);
    assertThat(Duration.ofNanos(nextAnswer.get(nextAnswer.size() / 2)))
        .isLessThan(Duration.ofMillis(150));
  }

  private static void send(OutputStream out, String path, String extra) throws IOException {
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One response on a keep-alive connection: its head, then exactly Content-Length bytes. */
  private static byte[] readResponse(InputStream in) throws IOException {
    String status = line(in);
    assertThat(status).matches("HTTP/1\\.1 20[06] .*");
    long length = -1;
    for (String line; !(line = line(in)).isEmpty(); ) {
      String lower = line.toLowerCase(Locale.ROOT);
      assertThat(lower).doesNotStartWith("connection: close");
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    assertThat(length).isNotNegative();
    byte[] body = in.readNBytes((int) length);
    assertThat(body).hasSize((int) length);
    return body;
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
