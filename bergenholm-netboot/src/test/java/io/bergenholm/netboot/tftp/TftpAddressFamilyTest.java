package io.bergenholm.netboot.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Transfer sockets take the server socket's address family (IPv4 sockets for an IPv4 server,
 * dual-stack IPv6 otherwise); files arrive intact over either family and either transport.
 */
class TftpAddressFamilyTest {

  @TempDir Path root;

  @ParameterizedTest(name = "{0}, native transport {1}")
  @CsvSource({"127.0.0.1,true", "127.0.0.1,false", "::1,true", "::1,false"})
  void fileArrivesIntactFromTheTransferPort(String host, boolean nativeTransport) throws Exception {
    InetAddress loopback = InetAddress.getByName(host);
    assumeTrue(canBind(loopback), host + " is not configured on this machine");
    byte[] content = new byte[5 * 512 + 100];
    new Random(7).nextBytes(content);
    Files.write(root.resolve("file"), content);
    TftpServer server =
        TftpServer.builder()
            .bind(new InetSocketAddress(loopback, 0))
            .root(root)
            .nativeTransport(nativeTransport)
            .build();
    server.start();
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
      socket.setSoTimeout(5000);
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.write(new byte[] {0, 1});
      request.write("file\0octet\0".getBytes(StandardCharsets.US_ASCII));
      socket.send(new DatagramPacket(request.toByteArray(), request.size(), server.localAddress()));
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[600];
      InetSocketAddress transferPort = null;
      for (int expected = 1; ; expected++) {
        DatagramPacket data = new DatagramPacket(buffer, buffer.length);
        socket.receive(data);
        InetSocketAddress from = (InetSocketAddress) data.getSocketAddress();
        if (transferPort == null) {
          transferPort = from;
          assertThat(from.getAddress()).isEqualTo(loopback);
          assertThat(from.getPort()).isNotEqualTo(server.localAddress().getPort());
        }
        assertThat(from).isEqualTo(transferPort);
        ByteBuffer packet = ByteBuffer.wrap(buffer, 0, data.getLength());
        assertThat(packet.getShort()).as("opcode").isEqualTo((short) 3);
        assertThat(packet.getShort() & 0xFFFF).as("block").isEqualTo(expected);
        received.write(buffer, 4, data.getLength() - 4);
        byte[] ack = {0, 4, (byte) (expected >> 8), (byte) expected};
        socket.send(new DatagramPacket(ack, ack.length, from));
        if (data.getLength() - 4 < 512) {
          break;
        }
      }
      assertThat(Arrays.equals(received.toByteArray(), content)).isTrue();
    } finally {
      server.close();
    }
  }

  private static boolean canBind(InetAddress address) {
    try {
      new DatagramSocket(new InetSocketAddress(address, 0)).close();
      return true;
    } catch (SocketException e) {
      return false;
    }
  }
}
