package io.bergenholm.netboot.dhcp;

import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The client side of {@link ProxyDhcpNetnsTest}, run as a child process inside the client's network
 * namespace (a JVM cannot change its own namespace). Usage: {@code DhcpProbe CLIENT_PORT
 * DEST_IP:DEST_PORT:HEX ...}: sends each packet from the client port (broadcast allowed), waits up
 * to 3 s for an answer and prints {@code REPLY ip:port hex} or {@code NONE}, one line per packet,
 * on standard output, which is its interface to the test.
 */
public final class DhcpProbe {

  private DhcpProbe() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.US_ASCII);
    try (DatagramSocket socket = new DatagramSocket(null)) {
      socket.setReuseAddress(true);
      socket.setBroadcast(true);
      socket.bind(new InetSocketAddress(Integer.parseInt(args[0])));
      socket.setSoTimeout(3000);
      for (int i = 1; i < args.length; i++) {
        String[] parts = args[i].split(":");
        byte[] bytes = HexFormat.of().parseHex(parts[2]);
        socket.send(
            new DatagramPacket(
                bytes, bytes.length, new InetSocketAddress(parts[0], Integer.parseInt(parts[1]))));
        DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
        try {
          socket.receive(answer);
          out.println(
              "REPLY "
                  + answer.getAddress().getHostAddress()
                  + ":"
                  + answer.getPort()
                  + " "
                  + HexFormat.of().formatHex(answer.getData(), 0, answer.getLength()));
        } catch (SocketTimeoutException e) {
          out.println("NONE");
        }
      }
    }
  }
}
