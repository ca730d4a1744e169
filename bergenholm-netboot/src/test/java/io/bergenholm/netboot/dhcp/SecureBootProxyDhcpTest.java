package io.bergenholm.netboot.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.grub.SecureBootPolicy;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proxyDHCP with the per-architecture boot files an operator chooses and the Secure Boot policy
 * on a real engine: which file each client is offered, host by host, over real sockets.
 */
class SecureBootProxyDhcpTest {
  private static final String HOST = PxeClientPackets.UUID_TEXT;
  private static Bergenholm engine;
  private static ProxyDhcpServer server;

  @BeforeAll
  static void start() throws Exception {
    engine = Bergenholm.builder().config(Map.of("store", "memory:")).build();
    engine.createGroup("register", Params.of(Map.of()));
    engine.createHost("register", Params.of(Map.of("groups", List.of("register"))));
    server =
        ProxyDhcpServer.builder()
            .bindAddress(InetAddress.getLoopbackAddress())
            .bootServer(InetAddress.getByName("127.0.0.9"))
            .chainUrl("http://127.0.0.9:8080/ipxe/boot.ipxe")
            .biosBootFile("bios/undionly.kpxe")
            .uefiBootFile("snponly.efi")
            .arm64BootFile("arm64/snponly.efi")
            .httpBootUrl("http://127.0.0.9:8080/ipxe/snponly.efi")
            .hostBootFile(new SecureBootPolicy(engine, "shimx64.efi"))
            .ports(0, 0, 0)
            .build();
    server.start();
  }

  @AfterAll
  static void stop() {
    server.close();
    engine.close();
  }

  @BeforeEach
  void noHost() {
    engine.host(HOST).ifPresent(h -> engine.deleteHost(HOST, Optional.empty()));
    engine.replaceGroup("register", Params.of(Map.of()), Optional.empty());
  }

  @ParameterizedTest(name = "{0}, secure_boot={1} -> {2}")
  @CsvSource({
    "BIOS, true, bios/undionly.kpxe",
    "UEFI, true, shimx64.efi",
    "UEFI_EBC, true, shimx64.efi",
    "ARM64, true, arm64/snponly.efi",
    "IPXE, true, http://127.0.0.9:8080/ipxe/boot.ipxe",
    "HTTP_BOOT, true, http://127.0.0.9:8080/ipxe/snponly.efi",
    "UEFI, false, snponly.efi",
    "UEFI, yes, shimx64.efi",
    "UEFI, ON, shimx64.efi",
    "UEFI, no, snponly.efi",
    "UEFI, maybe, snponly.efi",
    "UEFI, , snponly.efi",
  })
  void aKnownHostGetsShimOnlyOnX8664UefiPxe(
      PxeClientPackets.Client client, String secureBoot, String expected) throws Exception {
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    if (secureBoot != null) {
      params.put("secure_boot", secureBoot.equals("true") ? (Object) Boolean.TRUE : secureBoot);
    }
    engine.createHost(HOST, Params.of(params));
    assertThat(bootFile(client)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "register secure_boot={0} -> {1}")
  @CsvSource({"true, shimx64.efi", "false, snponly.efi"})
  void anUnknownMachineFollowsTheRegisterRecord(boolean secureBoot, String expected)
      throws Exception {
    engine.replaceGroup("register", Params.of(Map.of("secure_boot", secureBoot)), Optional.empty());
    assertThat(engine.host(HOST)).isEmpty();
    assertThat(bootFile(PxeClientPackets.Client.UEFI)).isEqualTo(expected);
  }

  private static String bootFile(PxeClientPackets.Client client) throws Exception {
    DhcpMessage request =
        PxeClientPackets.pxeRequest(
            client, PxeClientPackets.mac(0x42), 7, new byte[] {127, 0, 0, 1});
    try (DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      socket.setSoTimeout(3000);
      byte[] bytes = PxeClientPackets.bytes(request);
      socket.send(new DatagramPacket(bytes, bytes.length, server.pxeAddress()));
      DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
      socket.receive(answer);
      DhcpMessage ack =
          DhcpMessage.decode(Unpooled.wrappedBuffer(answer.getData(), 0, answer.getLength()));
      return client == PxeClientPackets.Client.HTTP_BOOT
          ? ack.optionString(DhcpMessage.OPT_BOOTFILE).orElseThrow()
          : ack.file();
    }
  }
}
