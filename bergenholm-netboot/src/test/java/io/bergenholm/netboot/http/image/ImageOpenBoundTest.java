package io.bergenholm.netboot.http.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.engine.image.ImageSettings;
import io.bergenholm.engine.image.SourcePolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that accepts connections and never answers, and 300 requests for its image: image
 * opens wait on a bounded pool, the requests beyond it get a 503 at once, and the server does not
 * start a thread per request.
 */
class ImageOpenBoundTest {
  @TempDir Path cacheDir;

  private static long openers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("image-open-"))
        .count();
  }

  @Test
  void threeHundredOpensOfAMuteUpstreamUseBoundedThreads() throws Exception {
    List<Socket> upstreamSide = new CopyOnWriteArrayList<>();
    try (ServerSocket mute = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    upstreamSide.add(mute.accept()); // held open, never a byte
                  }
                } catch (IOException e) {
                  // closed at the end
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      long before = openers();
      int totalBefore = Thread.activeCount();
      ImageService images =
          new ImageService(
              new ImageSettings(
                  cacheDir,
                  1L << 30,
                  Duration.ofSeconds(60),
                  Duration.ofMinutes(5),
                  Set.of(),
                  SourcePolicy.LOCAL_UPSTREAMS),
              io.bergenholm.engine.Bergenholm.builder()
                      .store(new io.bergenholm.engine.store.MemoryStore())
                      .build()
                  ::imageSource);
      List<Socket> clients = new ArrayList<>();
      try (TestHttpServer server =
          new TestHttpServer(
              images, Optional.empty(), new io.bergenholm.netboot.http.ImageOpenLimits(32, 64))) {
        server.target(
            "h",
            new ImageTarget(
                "kernel",
                URI.create("http://127.0.0.1:" + mute.getLocalPort() + "/vmlinuz"),
                Optional.empty(),
                Optional.empty()));
        for (int i = 0; i < 300; i++) {
          // three source addresses, so the per-address connection cap is not what refuses them
          Socket c =
              new Socket(
                  InetAddress.getByName("127.0.0.1"),
                  server.port(),
                  InetAddress.getByName("127.0.1." + (1 + i % 3)),
                  0);
          c.setSoTimeout(200);
          c.getOutputStream()
              .write(
                  "GET /ipxe/kernel/h HTTP/1.1\r\nHost: x\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
          clients.add(c);
        }
        int busy = 0;
        int waiting = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Socket> pending = new ArrayList<>(clients);
        while (!pending.isEmpty() && System.nanoTime() < deadline && busy + 32 + 64 < 300) {
          for (var it = pending.iterator(); it.hasNext(); ) {
            Socket c = it.next();
            try {
              byte[] head = new byte[12];
              int n = c.getInputStream().readNBytes(head, 0, 12);
              String status = new String(head, 0, n, StandardCharsets.US_ASCII);
              assertThat(status).isEqualTo("HTTP/1.1 503");
              busy++;
              it.remove();
            } catch (SocketTimeoutException e) {
              // still waiting for upstream
            }
          }
        }
        waiting = pending.size();
        long during = openers() - before;
        assertThat(during).as("image opening threads while 300 requests wait").isBetween(1L, 32L);
        assertThat(busy).as("requests refused with 503").isEqualTo(300 - 32 - 64);
        assertThat(waiting).isEqualTo(32 + 64);
        assertThat(Thread.activeCount() - totalBefore).as("threads started in all").isLessThan(100);
      } finally {
        for (Socket c : clients) {
          c.close();
        }
        images.close();
        for (Socket s : upstreamSide) {
          s.close();
        }
      }
      long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (openers() > before && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertThat(openers()).as("opening threads left after close").isEqualTo(before);
    }
  }
}
