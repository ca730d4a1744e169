package io.bergenholm.netboot.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proxyDHCP answers on loopback: the PXE port (4011) answers the sender directly, and a
 * DISCOVER that came through a relay (giaddr set) is answered to the relay, so neither needs a
 * broadcast. Broadcast DISCOVERs are tested across network namespaces in {@link
 * ProxyDhcpNetnsTest}.
 */
class ProxyDhcpServerTest {

  private static final long SEED = 97L;
  private static final byte[] SERVER = {127, 0, 0, 1};
  private static final byte[] RELAY = {127, 0, 0, 2};
  private static final CopyOnWriteArrayList<ClientIdentity> asked = new CopyOnWriteArrayList<>();
  private static ProxyDhcpServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        ProxyDhcpServer.builder()
            .bindAddress(InetAddress.getByAddress(SERVER))
            .bootServer(InetAddress.getByName("127.0.0.9"))
            .chainUrl("http://127.0.0.9:8080/ipxe/boot.ipxe")
            .bootFileOverrides(Map.of(6, "ipxe-i386.efi"))
            .hostBootFile(
                client -> {
                  asked.add(client);
                  return client.mac().endsWith(":77")
                      ? Optional.of("special.kpxe")
                      : Optional.empty();
                })
            .ports(0, 0, 0)
            .build();
    server.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "BIOS, undionly.kpxe",
    "UEFI, ipxe.efi",
    "UEFI_EBC, ipxe.efi",
    "ARM64, ipxe-arm64.efi",
    "IPXE, http://127.0.0.9:8080/ipxe/boot.ipxe",
  })
  void pxePortRequestGetsAnAckNamingTheBootFile(PxeClientPackets.Client client, String bootFile)
      throws Exception {
    byte[] mac = PxeClientPackets.mac(client.ordinal());
    byte[] ciaddr = {127, 0, 0, 1};
    DhcpMessage ack =
        exchange(
            server.pxeAddress(),
            PxeClientPackets.pxeRequest(client, mac, 0x1234 + client.ordinal(), ciaddr));
    assertThat(ack.op()).isEqualTo(DhcpMessage.BOOTREPLY);
    assertThat(ack.xid()).isEqualTo(0x1234 + client.ordinal());
    assertThat(ack.chaddr()).isEqualTo(mac);
    assertThat(ack.ciaddr()).isEqualTo(ciaddr);
    assertThat(ack.yiaddr()).containsExactly(0, 0, 0, 0);
    assertThat(ack.siaddr()).containsExactly(127, 0, 0, 9);
    assertThat(ack.file()).isEqualTo(bootFile);
    assertThat(ack.messageType()).contains(DhcpMessage.ACK);
    assertThat(ack.option(DhcpMessage.OPT_SERVER_ID)).hasValue(SERVER);
    assertThat(ack.optionString(DhcpMessage.OPT_VENDOR_CLASS)).contains("PXEClient");
    assertThat(ack.option(DhcpMessage.OPT_CLIENT_UUID)).hasValue(PxeClientPackets.UUID_OPTION);
    // discovery control 8 (boot the named file), the boot item echoed, end
    assertThat(ack.option(DhcpMessage.OPT_VENDOR_SPECIFIC))
        .hasValue(new byte[] {6, 1, 8, 71, 4, 0, 0, 0, 0, (byte) 255});
  }

  @Test
  void relayedDiscoverGetsAProxyOfferThroughTheRelay() throws Exception {
    byte[] mac = PxeClientPackets.mac(1);
    DhcpMessage discover =
        PxeClientPackets.discover(PxeClientPackets.Client.UEFI, mac, 0xcafe, RELAY);
    try (DatagramSocket relay = new DatagramSocket(null)) {
      relay.setReuseAddress(true);
      relay.bind(
          new InetSocketAddress(InetAddress.getByAddress(RELAY), server.dhcpAddress().getPort()));
      relay.setSoTimeout(3000);
      byte[] bytes = PxeClientPackets.bytes(discover);
      relay.send(new DatagramPacket(bytes, bytes.length, server.dhcpAddress()));
      DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
      relay.receive(answer);
      DhcpMessage offer =
          DhcpMessage.decode(Unpooled.wrappedBuffer(answer.getData(), 0, answer.getLength()));
      assertThat(offer.messageType()).contains(DhcpMessage.OFFER);
      assertThat(offer.giaddr()).isEqualTo(RELAY);
      assertThat(offer.ciaddr()).containsExactly(0, 0, 0, 0);
      assertThat(offer.yiaddr()).containsExactly(0, 0, 0, 0);
      assertThat(offer.file()).isEqualTo("ipxe.efi");
      assertThat(offer.flags()).isEqualTo(0x8000);
    }
  }

  @Test
  void theHostOverrideSeesTheClientAndWinsOverTheArchitecture() throws Exception {
    DhcpMessage ack =
        exchange(
            server.pxeAddress(),
            PxeClientPackets.pxeRequest(
                PxeClientPackets.Client.UEFI,
                PxeClientPackets.mac(0x77),
                1,
                new byte[] {127, 0, 0, 1}));
    assertThat(ack.file()).isEqualTo("special.kpxe");
    assertThat(asked)
        .contains(
            new ClientIdentity(
                "52:54:00:12:34:77", Optional.of(UUID.fromString(PxeClientPackets.UUID_TEXT)), 7));
  }

  @Test
  void theHostOverrideNeverSendsIpxeABinary() throws Exception {
    DhcpMessage ack =
        exchange(
            server.pxeAddress(),
            PxeClientPackets.pxeRequest(
                PxeClientPackets.Client.IPXE,
                PxeClientPackets.mac(0x77),
                1,
                new byte[] {127, 0, 0, 1}));
    assertThat(ack.file()).isEqualTo("http://127.0.0.9:8080/ipxe/boot.ipxe");
  }

  @Test
  void theArchitectureTableCanBeExtended() throws Exception {
    DhcpMessage request =
        PxeClientPackets.pxeRequest(
            PxeClientPackets.Client.BIOS, PxeClientPackets.mac(2), 1, new byte[4]);
    Map<Integer, byte[]> options = new java.util.LinkedHashMap<>(request.options());
    options.put(93, new byte[] {0, 6});
    DhcpMessage ia32 =
        new DhcpMessage(
            request.op(),
            request.htype(),
            request.hlen(),
            0,
            2,
            0,
            0,
            request.ciaddr(),
            request.yiaddr(),
            request.siaddr(),
            request.giaddr(),
            request.chaddr(),
            "",
            "",
            options);
    assertThat(exchange(server.pxeAddress(), ia32).file()).isEqualTo("ipxe-i386.efi");
  }

  @Test
  void httpBootClientsGetAnHttpUrl() throws Exception {
    DhcpMessage ack =
        exchange(
            server.pxeAddress(),
            PxeClientPackets.pxeRequest(
                PxeClientPackets.Client.HTTP_BOOT,
                PxeClientPackets.mac(3),
                1,
                new byte[] {127, 0, 0, 1}));
    assertThat(ack.optionString(DhcpMessage.OPT_VENDOR_CLASS)).contains("HTTPClient");
    assertThat(ack.optionString(DhcpMessage.OPT_BOOTFILE))
        .contains("http://127.0.0.9:8080/ipxe/ipxe.efi");
    assertThat(ack.option(DhcpMessage.OPT_VENDOR_SPECIFIC)).isEmpty();
  }

  @Test
  void nonPxeClientsAndUnknownArchitecturesAreIgnored() throws Exception {
    long ignoredBefore = server.ignoredPackets();
    assertThat(
            exchangeExpectingNothing(
                server.pxeAddress(),
                PxeClientPackets.bytes(
                    PxeClientPackets.pxeRequest(
                        PxeClientPackets.Client.NOT_PXE, PxeClientPackets.mac(4), 1, new byte[4]))))
        .isTrue();
    DhcpMessage request =
        PxeClientPackets.pxeRequest(
            PxeClientPackets.Client.BIOS, PxeClientPackets.mac(5), 1, new byte[4]);
    Map<Integer, byte[]> options = new java.util.LinkedHashMap<>(request.options());
    options.put(93, new byte[] {0, 2}); // Itanium: nothing configured
    DhcpMessage itanium =
        new DhcpMessage(
            1,
            1,
            6,
            0,
            3,
            0,
            0,
            new byte[4],
            new byte[4],
            new byte[4],
            new byte[4],
            request.chaddr(),
            "",
            "",
            options);
    assertThat(exchangeExpectingNothing(server.pxeAddress(), PxeClientPackets.bytes(itanium)))
        .isTrue();
    // a DISCOVER on the PXE port and a REQUEST on the DHCP port are not a proxy's business
    assertThat(
            exchangeExpectingNothing(
                server.pxeAddress(),
                PxeClientPackets.bytes(
                    PxeClientPackets.discover(
                        PxeClientPackets.Client.BIOS, PxeClientPackets.mac(6), 1, new byte[4]))))
        .isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> server.ignoredPackets() >= ignoredBefore + 3);
  }

  @Test
  void malformedPacketsAreDroppedAndCounted() throws Exception {
    long before = server.malformedPackets();
    Random random = new Random(SEED);
    byte[] good =
        PxeClientPackets.bytes(
            PxeClientPackets.pxeRequest(
                PxeClientPackets.Client.BIOS,
                PxeClientPackets.mac(8),
                8,
                new byte[] {127, 0, 0, 1}));
    byte[][] bad = {
      new byte[0],
      new byte[] {1},
      Arrays.copyOf(good, 239), // truncated inside the header
      Arrays.copyOf(good, 250), // options cut off, no end
      withByte(good, 236, 0x00), // bad magic cookie
      withByte(good, 2, 17), // hardware address longer than 16
      withByte(Arrays.copyOf(good, 245), 244, 200), // option length beyond the packet
    };
    try (DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      for (byte[] b : bad) {
        socket.send(new DatagramPacket(b, b.length, server.pxeAddress()));
      }
      int randomCount = 300;
      for (int i = 0; i < randomCount; i++) {
        byte[] junk = new byte[random.nextInt(400)];
        random.nextBytes(junk);
        socket.send(
            new DatagramPacket(
                junk, junk.length, i % 2 == 0 ? server.pxeAddress() : server.dhcpAddress()));
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(server.malformedPackets())
                      .as("seed %d", SEED)
                      .isEqualTo(before + bad.length + randomCount));
    }
    // and it still answers
    assertThat(
            exchange(server.pxeAddress(), DhcpMessage.decode(Unpooled.wrappedBuffer(good))).file())
        .isEqualTo("undionly.kpxe");
  }

  private static byte[] withByte(byte[] bytes, int index, int value) {
    byte[] copy = bytes.clone();
    copy[index] = (byte) value;
    return copy;
  }

  private static DhcpMessage exchange(InetSocketAddress to, DhcpMessage request) throws Exception {
    try (DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      socket.setSoTimeout(3000);
      byte[] bytes = PxeClientPackets.bytes(request);
      socket.send(new DatagramPacket(bytes, bytes.length, to));
      DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
      socket.receive(answer);
      assertThat(answer.getSocketAddress()).isEqualTo(to);
      assertThat(answer.getLength()).isGreaterThanOrEqualTo(300);
      // straight from the wire: yiaddr (bytes 16-19) is zero, the magic cookie sits at 236
      assertThat(Arrays.copyOfRange(answer.getData(), 16, 20)).containsExactly(0, 0, 0, 0);
      assertThat(Arrays.copyOfRange(answer.getData(), 236, 240))
          .containsExactly(0x63, 0x82, 0x53, 0x63);
      return DhcpMessage.decode(Unpooled.wrappedBuffer(answer.getData(), 0, answer.getLength()));
    }
  }

  private static boolean exchangeExpectingNothing(InetSocketAddress to, byte[] bytes)
      throws IOException {
    try (DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      socket.setSoTimeout(500);
      socket.send(new DatagramPacket(bytes, bytes.length, to));
      socket.receive(new DatagramPacket(new byte[1500], 1500));
      return false;
    } catch (SocketTimeoutException expected) {
      return true;
    }
  }
}
