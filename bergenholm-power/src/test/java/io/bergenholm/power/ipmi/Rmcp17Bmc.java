package io.bergenholm.power.ipmi;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A test double for what ipmi_sim cannot do: a minimal BMC on 127.0.0.1 that offers cipher suite 17
 * (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128) and knows a handful of chassis commands. It
 * derives its keys with the client's own {@link Rakp} and {@link SessionKeys}, so on its own it
 * proves nothing; what it is for is letting ipmitool, an independent implementation, check those
 * derivations: ipmitool verifies the RAKP 2 auth code and the RAKP 4 check value and then every
 * packet's HMAC-SHA256-128 AuthCode and AES encryption, and this BMC verifies ipmitool's RAKP 3.
 *
 * <p>One session at a time; every accepted command is recorded in {@link #commands()}.
 */
final class Rmcp17Bmc implements AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] GUID = HEX.parseHex("0123456789abcdef0123456789abcdef");

  private final String user;
  private final String password;
  private final DatagramSocket socket;
  private final Thread thread;
  private final SecureRandom random = new SecureRandom();
  private final List<String> commands = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  private volatile boolean powerOn;
  private volatile int bootDevice;
  private int consoleSid;
  private int bmcSid;
  private byte[] bmcRandom;
  private byte[] consoleRandom;
  private int role;
  private String requestedUser = "";
  private SessionKeys keys;
  private int sequence;

  Rmcp17Bmc(String user, String password) throws IOException {
    this.user = user;
    this.password = password;
    this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    this.thread = new Thread(this::serve, "rmcp17-bmc");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  boolean powerOn() {
    return powerOn;
  }

  int bootDevice() {
    return bootDevice;
  }

  List<String> commands() {
    synchronized (commands) {
      return List.copyOf(commands);
    }
  }

  /** Packets this BMC refused (bad AuthCode, wrong RAKP 3, …); a passing test expects none. */
  List<String> problems() {
    synchronized (problems) {
      return List.copyOf(problems);
    }
  }

  private void serve() {
    byte[] buf = new byte[1024];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
        handle(Arrays.copyOf(p.getData(), p.getLength()), p.getSocketAddress());
      } catch (IOException e) {
        return; // closed
      } catch (MalformedPacketException | RuntimeException e) {
        synchronized (problems) {
          problems.add(e.toString());
        }
      }
    }
  }

  private void handle(byte[] d, SocketAddress from) throws IOException, MalformedPacketException {
    boolean inSession = d.length > 10 && d[4] == 0x06 && Bytes.le32(d, 6) != 0;
    RmcpPacket in =
        RmcpPacket.decode(d, d.length, inSession ? Optional.ofNullable(keys) : Optional.empty());
    byte[] q = in.payload();
    switch (in.payloadType()) {
      case RmcpPacket.PAYLOAD_OPEN_SESSION_REQUEST -> {
        consoleSid = Bytes.le32(q, 4);
        bmcSid = 0x00c0ffee;
        keys = null;
        boolean suite17 = q[12] == 0x03 && q[20] == 0x04 && q[28] == 0x01;
        byte[] r = new byte[suite17 ? 36 : 2];
        r[0] = q[0];
        if (!suite17) {
          r[1] = 0x11; // no cipher suite match
        } else {
          r[2] = 0x04;
          Bytes.putLe32(r, 4, consoleSid);
          Bytes.putLe32(r, 8, bmcSid);
          r[12] = 0x00;
          r[15] = 0x08;
          r[16] = 0x03;
          r[20] = 0x01;
          r[23] = 0x08;
          r[24] = 0x04;
          r[28] = 0x02;
          r[31] = 0x08;
          r[32] = 0x01;
        }
        reply(RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_OPEN_SESSION_RESPONSE, r), from);
      }
      case RmcpPacket.PAYLOAD_RAKP_1 -> {
        consoleRandom = Arrays.copyOfRange(q, 8, 24);
        role = q[24] & 0xff;
        requestedUser = new String(q, 28, q[27] & 0xff, StandardCharsets.UTF_8);
        bmcRandom = new byte[16];
        random.nextBytes(bmcRandom);
        byte[] code = requestedUser.equals(user) ? rakp().rakp2AuthCode() : new byte[0];
        byte[] r = new byte[40 + code.length];
        r[0] = q[0];
        r[1] = (byte) (requestedUser.equals(user) ? 0 : 0x0d);
        Bytes.putLe32(r, 4, consoleSid);
        System.arraycopy(bmcRandom, 0, r, 8, 16);
        System.arraycopy(GUID, 0, r, 24, 16);
        System.arraycopy(code, 0, r, 40, code.length);
        reply(RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_RAKP_2, r), from);
      }
      case RmcpPacket.PAYLOAD_RAKP_3 -> {
        Rakp rakp = rakp();
        boolean ok =
            q[1] == 0 && Rakp.matches(rakp.rakp3AuthCode(), Arrays.copyOfRange(q, 8, q.length));
        if (q[1] != 0) {
          return; // the console gave up; nothing to answer
        }
        byte[] icv = ok ? rakp.rakp4CheckValue() : new byte[0];
        byte[] r = new byte[8 + icv.length];
        r[0] = q[0];
        r[1] = (byte) (ok ? 0 : 0x0f);
        Bytes.putLe32(r, 4, consoleSid);
        System.arraycopy(icv, 0, r, 8, icv.length);
        if (ok) {
          keys = rakp.sessionKeys();
          sequence = 0;
        } else {
          synchronized (problems) {
            problems.add("RAKP 3 auth code mismatch");
          }
        }
        reply(RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_RAKP_4, r), from);
      }
      case RmcpPacket.PAYLOAD_IPMI -> {
        if (!inSession) {
          reply(RmcpPacket.encodeV15(answer(q, channelCapabilities())), from);
        } else if (keys != null && in.authenticated() && in.sessionId() == bmcSid) {
          byte[] r = answer(q, command(q));
          reply(
              RmcpPacket.encodeV2(RmcpPacket.PAYLOAD_IPMI, consoleSid, ++sequence, r, keys), from);
          if ((q[1] & 0xff) >>> 2 == IpmiMessage.NETFN_APP && (q[5] & 0xff) == 0x3c) {
            keys = null;
          }
        }
      }
      default -> throw new MalformedPacketException("payload type " + in.payloadType());
    }
  }

  private Rakp rakp() {
    return new Rakp(
        CipherSuite.SUITE_17,
        password,
        Bytes.le32(consoleSid),
        Bytes.le32(bmcSid),
        consoleRandom,
        bmcRandom,
        GUID,
        role,
        requestedUser);
  }

  private static byte[] channelCapabilities() {
    // cc, channel 1, v2.0 extended + MD5/straight, per-message auth, IPMI v2.0, OEM 0
    return new byte[] {0x00, 0x01, (byte) 0x96, 0x04, 0x02, 0, 0, 0, 0};
  }

  /** Completion code and data for an in-session request. */
  private byte[] command(byte[] q) {
    int netFn = (q[1] & 0xff) >>> 2;
    int cmd = q[5] & 0xff;
    byte[] data = Arrays.copyOfRange(q, 6, q.length - 1);
    synchronized (commands) {
      commands.add(
          String.format("netfn 0x%02x cmd 0x%02x data %s", netFn, cmd, HEX.formatHex(data)));
    }
    if (netFn == IpmiMessage.NETFN_APP && cmd == 0x3b) {
      return new byte[] {0x00, data[0]};
    }
    if (netFn == IpmiMessage.NETFN_APP && cmd == 0x3c) {
      return new byte[] {0x00};
    }
    if (netFn == IpmiMessage.NETFN_CHASSIS && cmd == 0x01) {
      return new byte[] {0x00, (byte) (powerOn ? 0x01 : 0x00), 0x00, 0x00};
    }
    if (netFn == IpmiMessage.NETFN_CHASSIS && cmd == 0x02) {
      switch (data[0]) {
        case 0x00 -> powerOn = false;
        case 0x01, 0x02, 0x03 -> powerOn = true;
        default -> {
          return new byte[] {(byte) 0xcc};
        }
      }
      return new byte[] {0x00};
    }
    if (netFn == IpmiMessage.NETFN_CHASSIS && cmd == 0x08) {
      if (data[0] == 0x05) {
        bootDevice = data[2] & Chassis.DEVICE_MASK;
      }
      return new byte[] {0x00};
    }
    return new byte[] {(byte) 0xc1};
  }

  /** An IPMI response message in LAN framing for request {@code q}. */
  private static byte[] answer(byte[] q, byte[] ccAndData) {
    byte[] m = new byte[7 + ccAndData.length];
    m[0] = q[3];
    m[1] = (byte) ((((q[1] & 0xff) >>> 2) + 1) << 2);
    m[2] = checksum(m, 0, 2);
    m[3] = q[0];
    m[4] = q[4];
    m[5] = q[5];
    System.arraycopy(ccAndData, 0, m, 6, ccAndData.length);
    m[m.length - 1] = checksum(m, 3, m.length - 1);
    return m;
  }

  private static byte checksum(byte[] b, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i++) {
      sum += b[i];
    }
    return (byte) -sum;
  }

  private void reply(byte[] packet, SocketAddress to) throws IOException {
    socket.send(new DatagramPacket(packet, packet.length, to));
  }

  @Override
  public void close() {
    socket.close();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
