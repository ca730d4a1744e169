package io.bergenholm.netboot.dhcp;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A BOOTP/DHCP message (RFC 2131, RFC 2132) with its options in wire order. Options that occur more
 * than once are concatenated, as RFC 3396 says.
 */
record DhcpMessage(
    int op,
    int htype,
    int hlen,
    int hops,
    int xid,
    int secs,
    int flags,
    byte[] ciaddr,
    byte[] yiaddr,
    byte[] siaddr,
    byte[] giaddr,
    byte[] chaddr,
    String sname,
    String file,
    Map<Integer, byte[]> options) {

  static final int BOOTREQUEST = 1;
  static final int BOOTREPLY = 2;

  static final int DISCOVER = 1;
  static final int OFFER = 2;
  static final int REQUEST = 3;
  static final int ACK = 5;
  static final int INFORM = 8;

  static final int OPT_PAD = 0;
  static final int OPT_VENDOR_SPECIFIC = 43;
  static final int OPT_MESSAGE_TYPE = 53;
  static final int OPT_SERVER_ID = 54;
  static final int OPT_VENDOR_CLASS = 60;
  static final int OPT_BOOTFILE = 67;
  static final int OPT_USER_CLASS = 77;
  static final int OPT_CLIENT_ARCH = 93;
  static final int OPT_CLIENT_UUID = 97;
  static final int OPT_IPXE_ENCAPSULATED = 175;
  static final int OPT_END = 255;

  static final int MAGIC = 0x63825363;
  private static final int FIXED_LENGTH = 236;

  DhcpMessage {
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  /** A packet that is not a DHCP message, with the reason. */
  static final class MalformedException extends Exception {
    MalformedException(String message) {
      super(message);
    }
  }

  static DhcpMessage decode(ByteBuf in) throws MalformedException {
    if (in.readableBytes() < FIXED_LENGTH + 4) {
      throw new MalformedException(
          "packet of " + in.readableBytes() + " bytes is shorter than a DHCP header");
    }
    int op = in.readUnsignedByte();
    int htype = in.readUnsignedByte();
    int hlen = in.readUnsignedByte();
    int hops = in.readUnsignedByte();
    if (hlen > 16) {
      throw new MalformedException("hardware address length " + hlen + " exceeds 16");
    }
    int xid = in.readInt();
    int secs = in.readUnsignedShort();
    int flags = in.readUnsignedShort();
    byte[] ciaddr = bytes(in, 4);
    byte[] yiaddr = bytes(in, 4);
    byte[] siaddr = bytes(in, 4);
    byte[] giaddr = bytes(in, 4);
    byte[] chaddr = bytes(in, 16);
    String sname = cString(bytes(in, 64));
    String file = cString(bytes(in, 128));
    if (in.readInt() != MAGIC) {
      throw new MalformedException("no DHCP magic cookie");
    }
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    boolean ended = false;
    while (in.isReadable()) {
      int code = in.readUnsignedByte();
      if (code == OPT_PAD) {
        continue;
      }
      if (code == OPT_END) {
        ended = true;
        break;
      }
      if (!in.isReadable()) {
        throw new MalformedException("option " + code + " has no length");
      }
      int length = in.readUnsignedByte();
      if (length > in.readableBytes()) {
        throw new MalformedException(
            "option " + code + " claims " + length + " bytes, " + in.readableBytes() + " left");
      }
      byte[] value = bytes(in, length);
      options.merge(code, value, DhcpMessage::concat);
    }
    if (!ended) {
      throw new MalformedException("options do not end with option 255");
    }
    return new DhcpMessage(
        op,
        htype,
        hlen,
        hops,
        xid,
        secs,
        flags,
        ciaddr,
        yiaddr,
        siaddr,
        giaddr,
        Arrays.copyOf(chaddr, hlen),
        sname,
        file,
        options);
  }

  void encode(ByteBuf out) {
    out.writeByte(op).writeByte(htype).writeByte(hlen).writeByte(hops);
    out.writeInt(xid).writeShort(secs).writeShort(flags);
    out.writeBytes(ciaddr).writeBytes(yiaddr).writeBytes(siaddr).writeBytes(giaddr);
    out.writeBytes(Arrays.copyOf(chaddr, 16));
    out.writeBytes(Arrays.copyOf(sname.getBytes(StandardCharsets.US_ASCII), 64));
    out.writeBytes(Arrays.copyOf(file.getBytes(StandardCharsets.US_ASCII), 128));
    out.writeInt(MAGIC);
    options.forEach(
        (code, value) -> {
          if (value.length == 0) {
            out.writeByte(code).writeByte(0);
            return;
          }
          // RFC 3396: a value over 255 bytes is split over several instances of the option
          for (int from = 0; from < value.length; from += 255) {
            int length = Math.min(255, value.length - from);
            out.writeByte(code).writeByte(length).writeBytes(value, from, length);
          }
        });
    out.writeByte(OPT_END);
    while (out.readableBytes() < 300) {
      out.writeByte(OPT_PAD); // BOOTP relays and old ROMs expect at least the BOOTP size
    }
  }

  Optional<byte[]> option(int code) {
    return Optional.ofNullable(options.get(code));
  }

  Optional<String> optionString(int code) {
    return option(code).map(v -> new String(v, StandardCharsets.US_ASCII));
  }

  Optional<Integer> messageType() {
    return option(OPT_MESSAGE_TYPE).filter(v -> v.length == 1).map(v -> v[0] & 0xFF);
  }

  String mac() {
    return HexFormat.ofDelimiter(":").formatHex(chaddr);
  }

  /**
   * The UUID from option 97 (type 0 plus 16 bytes). Its first three fields are little-endian on the
   * wire, as in SMBIOS, so the string matches what the machine reports and iPXE's {@code ${uuid}}.
   */
  Optional<UUID> clientUuid() {
    return option(OPT_CLIENT_UUID)
        .filter(v -> v.length == 17 && v[0] == 0)
        .map(
            v -> {
              byte[] b = Arrays.copyOfRange(v, 1, 17);
              long high = (le(b, 0, 4) << 32) | (le(b, 4, 2) << 16) | le(b, 6, 2);
              long low = 0;
              for (int i = 8; i < 16; i++) {
                low = (low << 8) | (b[i] & 0xFF);
              }
              return new UUID(high, low);
            });
  }

  private static long le(byte[] b, int from, int length) {
    long v = 0;
    for (int i = from + length - 1; i >= from; i--) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return v;
  }

  static InetAddress address(byte[] four) {
    try {
      return InetAddress.getByAddress(four);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 address: " + Arrays.toString(four), e);
    }
  }

  static boolean isZero(byte[] address) {
    for (byte b : address) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] bytes(ByteBuf in, int length) {
    byte[] b = new byte[length];
    in.readBytes(b);
    return b;
  }

  private static String cString(byte[] field) {
    int end = 0;
    while (end < field.length && field[end] != 0) {
      end++;
    }
    return new String(field, 0, end, StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
