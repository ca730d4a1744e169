package io.bergenholm.netboot.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bergenholm.netboot.Mutator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * DHCP packets, fuzzed: 10^5 seeded mutations of real PXE DISCOVERs and REQUESTs through the
 * decoder and the proxyDHCP's answer, then a sample over real sockets to a running server, which
 * must keep answering and leave no thread behind.
 */
class DhcpFuzzTest {
  private static final long SEED = 1128L;

  private static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    int xid = 1;
    for (PxeClientPackets.Client client : PxeClientPackets.Client.values()) {
      byte[] mac = PxeClientPackets.mac(client.ordinal());
      seeds.add(PxeClientPackets.bytes(PxeClientPackets.discover(client, mac, xid++, new byte[4])));
      seeds.add(
          PxeClientPackets.bytes(
              PxeClientPackets.discover(client, mac, xid++, new byte[] {10, 0, 0, 1})));
      seeds.add(
          PxeClientPackets.bytes(
              PxeClientPackets.pxeRequest(client, mac, xid++, new byte[] {10, 0, 0, 7})));
    }
    return seeds;
  }

  @Test
  void decodingAndAnsweringAHundredThousandMutatedPacketsNeverThrows() throws Exception {
    BootPolicy policy =
        new BootPolicy(
            "http://10.0.0.1/ipxe/boot.ipxe",
            "ipxe.efi",
            "ipxe-arm64.efi",
            Optional.of("http://10.0.0.1/ipxe.efi"),
            Map.of(6, "ipxe-i386.efi"),
            c -> c.mac().endsWith(":01") ? Optional.of("special.kpxe") : Optional.empty());
    ProxyDhcpHandler handler =
        new ProxyDhcpHandler(
            policy,
            InetAddress.getByName("10.0.0.1"),
            InetAddress.getByName("10.0.0.2"),
            68,
            () -> null,
            Runnable::run);
    Mutator m = new Mutator(SEED, seeds());
    int decoded = 0;
    int answered = 0;
    for (int i = 0; i < 100_000; i++) {
      byte[] input = m.next(1500);
      ByteBuf in = Unpooled.wrappedBuffer(input);
      try {
        DhcpMessage request;
        try {
          request = DhcpMessage.decode(in);
        } catch (DhcpMessage.MalformedException e) {
          continue; // refused, as it should be
        }
        decoded++;
        for (boolean pxePort : new boolean[] {false, true}) {
          Optional<DhcpMessage> reply = handler.answer(request, pxePort);
          if (reply.isPresent()) {
            answered++;
            ByteBuf out = Unpooled.buffer();
            try {
              reply.get().encode(out);
              assertThat(out.readableBytes()).as("seed %d input %d", SEED, i).isBetween(300, 1500);
              assertThat(DhcpMessage.decode(out).xid()).isEqualTo(request.xid());
            } finally {
              out.release();
            }
          }
        }
      } catch (RuntimeException | DhcpMessage.MalformedException e) {
        throw new AssertionError(
            "seed " + SEED + " input " + i + ": " + ByteBufUtil.hexDump(input), e);
      } finally {
        in.release();
      }
    }
    assertThat(decoded).as("mutations that still decode").isGreaterThan(10_000);
    assertThat(answered).as("mutations that still get an answer").isGreaterThan(1_000);
  }

  @Test
  void aRunningServerSurvivesMutatedPacketsOverRealSockets() throws Exception {
    long before = policyThreads();
    ProxyDhcpServer server =
        ProxyDhcpServer.builder()
            .bindAddress(InetAddress.getLoopbackAddress())
            .bootServer(InetAddress.getLoopbackAddress())
            .chainUrl("http://127.0.0.1:8080/ipxe/boot.ipxe")
            .ports(0, 0, 0)
            .build();
    server.start();
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Mutator m = new Mutator(SEED + 1, seeds());
      for (int i = 0; i < 3000; i++) {
        byte[] input = m.next(1500);
        socket.send(
            new DatagramPacket(
                input, input.length, i % 2 == 0 ? server.dhcpAddress() : server.pxeAddress()));
        if (i % 50 == 49) { // paced, so that the kernel's socket buffer does not drop most of them
          long sent = i + 1;
          long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
          while (seen(server) < sent - 50 && System.nanoTime() < until) {
            Thread.sleep(1);
          }
        }
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> seen(server) >= 2700);
      assertThat(server.malformedPackets()).isPositive();
      // Still answering a real client.
      socket.setSoTimeout(5000);
      byte[] ask =
          PxeClientPackets.bytes(
              PxeClientPackets.pxeRequest(
                  PxeClientPackets.Client.BIOS,
                  PxeClientPackets.mac(9),
                  0xbeef,
                  new byte[] {127, 0, 0, 1}));
      socket.send(new DatagramPacket(ask, ask.length, server.pxeAddress()));
      DhcpMessage ack = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ack == null && System.nanoTime() < deadline) {
        DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
        socket.receive(p);
        DhcpMessage d = DhcpMessage.decode(Unpooled.wrappedBuffer(p.getData(), 0, p.getLength()));
        if (d.xid() == 0xbeef) {
          ack = d;
        }
      }
      assertThat(ack).isNotNull();
      assertThat(ack.file()).isEqualTo("undionly.kpxe");
    } finally {
      server.close();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> policyThreads() <= before);
  }

  private static long seen(ProxyDhcpServer server) {
    return server.malformedPackets() + server.ignoredPackets() + server.answeredPackets();
  }

  private static long policyThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("proxydhcp"))
        .count();
  }
}
