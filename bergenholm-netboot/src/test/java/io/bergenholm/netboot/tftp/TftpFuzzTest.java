package io.bergenholm.netboot.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bergenholm.netboot.Mutator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TFTP request packets, fuzzed: 10^5 seeded mutations of real requests through the decoder, then a
 * sample over a real socket to a running server, which must keep serving and leave no transfer,
 * thread or buffer behind.
 */
class TftpFuzzTest {
  private static final long SEED = 20261128L;

  @TempDir Path root;

  private static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    for (Map<String, String> options :
        List.of(
            Map.<String, String>of(),
            Map.of("blksize", "1432"),
            Map.of("blksize", "1432", "windowsize", "16", "tsize", "0", "timeout", "3"))) {
      for (String mode : List.of("octet", "netascii")) {
        ByteBuf b =
            TftpCodec.request(ByteBufAllocator.DEFAULT, false, "undionly.kpxe", mode, options);
        seeds.add(ByteBufUtil.getBytes(b));
        b.release();
      }
    }
    ByteBuf ack = TftpCodec.ack(ByteBufAllocator.DEFAULT, 7);
    seeds.add(ByteBufUtil.getBytes(ack));
    ack.release();
    ByteBuf error = TftpCodec.error(ByteBufAllocator.DEFAULT, 0, "stop");
    seeds.add(ByteBufUtil.getBytes(error));
    error.release();
    return seeds;
  }

  @Test
  void theDecoderTakesAHundredThousandMutatedPacketsWithoutThrowing() {
    Mutator m = new Mutator(SEED, seeds());
    int requests = 0;
    for (int i = 0; i < 100_000; i++) {
      byte[] input = m.next(700);
      ByteBuf buf = Unpooled.wrappedBuffer(input);
      try {
        TftpPacket p = TftpCodec.decode(buf);
        assertThat(p).as("seed %d input %d", SEED, i).isNotNull();
        if (p instanceof TftpPacket.Request r) {
          requests++;
          assertThat(r.filename()).isNotNull();
          TransferOptions.negotiate(
              r.options(),
              1_000_000,
              TransferOptions.MAX_BLOCK_SIZE,
              64 * 1024,
              Duration.ofSeconds(1));
        }
      } catch (RuntimeException e) {
        throw new AssertionError(
            "seed " + SEED + " input " + i + ": " + ByteBufUtil.hexDump(input), e);
      } finally {
        buf.release();
      }
    }
    assertThat(requests).as("mutations that still decode as requests").isGreaterThan(10_000);
  }

  @Test
  void aRunningServerSurvivesMutatedPacketsOverARealSocket() throws Exception {
    byte[] content = new byte[3000];
    new java.util.Random(SEED).nextBytes(content);
    Files.write(root.resolve("undionly.kpxe"), content);
    TftpServer server =
        TftpServer.builder()
            .bind(new java.net.InetSocketAddress("127.0.0.1", 0))
            .root(root)
            .retransmitTimeout(Duration.ofMillis(100))
            .build();
    long threadsBefore = tftpThreads();
    server.start();
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Mutator m = new Mutator(SEED + 1, seeds());
      for (int i = 0; i < 3000; i++) {
        byte[] input = m.next(700);
        socket.send(new DatagramPacket(input, input.length, server.localAddress()));
      }
      // Every transfer a mutated request started ends (the socket never acknowledges).
      await().atMost(Duration.ofSeconds(30)).until(() -> server.activeTransfers() == 0);
      // And the server still serves a real client.
      try (TestTftpClient client = new TestTftpClient(SEED, TestTftpClient.Loss.NONE)) {
        TestTftpClient.Result r =
            client.get(server.localAddress(), "undionly.kpxe", Map.of("blksize", "512"));
        assertThat(r.content()).isEqualTo(content);
      }
    } finally {
      server.close();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> tftpThreads() <= threadsBefore);
  }

  private static long tftpThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("tftp"))
        .count();
  }
}
