package io.bergenholm.netboot.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Providers over a real server and client: their answers, their refusals, and that one waiting for
 * its content (an image still downloading) holds back nobody else.
 */
class TftpProviderTest {
  @TempDir Path root;
  private final CompletableFuture<TftpContent> slow = new CompletableFuture<>();
  private TftpServer server;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(root.resolve("plain"), "from the root");
    Files.writeString(root.resolve("made"), "shadowed by the provider");
    server =
        TftpServer.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .root(root)
            .provider(
                (name, peer) ->
                    switch (name) {
                      case "made" ->
                          Optional.of(
                              CompletableFuture.completedFuture(
                                  TftpContent.bytes("made".getBytes(StandardCharsets.US_ASCII))));
                      case "slow" -> Optional.of(slow);
                      case "gone" ->
                          Optional.of(
                              CompletableFuture.failedFuture(TftpRefusal.notFound("no such host")));
                      case "broken" ->
                          Optional.of(
                              CompletableFuture.failedFuture(
                                  new IllegalStateException("upstream said 500")));
                      case "hostile" ->
                          throw TftpRefusal.accessViolation("not a name this provider knows");
                      case "repeat" ->
                          Optional.of(
                              CompletableFuture.failedFuture(TftpRefusal.repeated("repeat")));
                      default -> Optional.empty();
                    })
            .nativeTransport(false)
            .build();
    server.start();
  }

  @AfterEach
  void stop() {
    slow.complete(TftpContent.bytes(new byte[0]));
    server.close();
  }

  private TestTftpClient.Result get(String name) throws Exception {
    try (TestTftpClient client = new TestTftpClient(1, TestTftpClient.Loss.NONE)) {
      return client.get(server.localAddress(), name, Map.of("blksize", "1432"));
    }
  }

  @Test
  void aProviderAnswersBeforeTheRootAndLeavesOtherNamesToIt() throws Exception {
    assertThat(new String(get("made").content(), StandardCharsets.US_ASCII)).isEqualTo("made");
    assertThat(new String(get("/made").content(), StandardCharsets.US_ASCII)).isEqualTo("made");
    assertThat(new String(get("plain").content(), StandardCharsets.US_ASCII))
        .isEqualTo("from the root");
  }

  @Test
  void refusalsKeepTheirCodeAndMessage() throws Exception {
    assertThat(get("gone").error())
        .isEqualTo(new TftpPacket.Error(TftpError.FILE_NOT_FOUND, "no such host"));
    assertThat(get("hostile").error())
        .isEqualTo(
            new TftpPacket.Error(TftpError.ACCESS_VIOLATION, "not a name this provider knows"));
    TftpPacket.Error broken = get("broken").error();
    assertThat(broken.code()).isEqualTo(TftpError.UNDEFINED);
    assertThat(broken.message()).contains("broken", "upstream said 500");
  }

  @Test
  void aClientWaitingForItsContentHoldsBackNobodyElse() throws Exception {
    byte[] image = new byte[200_000];
    new java.util.Random(3).nextBytes(image);
    ExecutorService waiting = Executors.newSingleThreadExecutor();
    try {
      Future<TestTftpClient.Result> pending = waiting.submit(() -> get("slow"));
      // While "slow" waits (its client repeating its request), others are served at once.
      for (int i = 0; i < 5; i++) {
        assertThat(new String(get("plain").content(), StandardCharsets.US_ASCII))
            .isEqualTo("from the root");
        assertThat(new String(get("made").content(), StandardCharsets.US_ASCII)).isEqualTo("made");
      }
      assertThat(pending.isDone()).isFalse();
      slow.complete(TftpContent.bytes(image));
      TestTftpClient.Result result = pending.get(30, TimeUnit.SECONDS);
      assertThat(result.error()).isNull();
      assertThat(result.content()).isEqualTo(image);
    } finally {
      waiting.shutdownNow();
    }
    // Every pending lookup, the client's repeated requests included, ends and frees its slot.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> server.activeTransfers() == 0);
  }

  @Test
  void providerNamesAreNotSentInNetasciiMode() throws Exception {
    TftpFiles files =
        new TftpFiles(
            Optional.of(root),
            Map.of(),
            java.util.List.of(
                (name, peer) ->
                    name.equals("made")
                        ? Optional.of(
                            CompletableFuture.completedFuture(TftpContent.bytes(new byte[] {1})))
                        : Optional.empty()));
    TftpFiles.Lookup lookup = files.open("made", "netascii");
    assertThat(lookup).isInstanceOf(TftpFiles.Lookup.Refused.class);
    assertThat(((TftpFiles.Lookup.Refused) lookup).code()).isEqualTo(TftpError.ILLEGAL_OPERATION);
  }

  @Test
  void aRepeatedRequestGetsNoAnswerAndFreesItsSlot() throws Exception {
    try (java.net.DatagramSocket socket =
        new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      socket.setSoTimeout(1000);
      io.netty.buffer.ByteBuf rrq =
          TftpCodec.request(
              io.netty.buffer.ByteBufAllocator.DEFAULT, false, "repeat", "octet", Map.of());
      byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(rrq);
      rrq.release();
      socket.send(new java.net.DatagramPacket(bytes, bytes.length, server.localAddress()));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> socket.receive(new java.net.DatagramPacket(new byte[1500], 1500)))
          .isInstanceOf(java.net.SocketTimeoutException.class);
    }
    assertThat(server.activeTransfers()).isZero();
    assertThat(new String(get("plain").content(), StandardCharsets.US_ASCII))
        .isEqualTo("from the root");
  }
}
