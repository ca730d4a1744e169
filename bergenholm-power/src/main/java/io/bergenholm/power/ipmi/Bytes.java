package io.bergenholm.power.ipmi;

import java.util.HexFormat;

/** Little-endian field access, as IPMI lays out its multi-byte numbers. */
final class Bytes {
  private Bytes() {}

  static int le16(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
  }

  static int le32(byte[] b, int at) {
    return (b[at] & 0xff)
        | (b[at + 1] & 0xff) << 8
        | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  static void putLe32(byte[] b, int at, int value) {
    b[at] = (byte) value;
    b[at + 1] = (byte) (value >>> 8);
    b[at + 2] = (byte) (value >>> 16);
    b[at + 3] = (byte) (value >>> 24);
  }

  static byte[] le32(int value) {
    byte[] b = new byte[4];
    putLe32(b, 0, value);
    return b;
  }

  static String hex(int value) {
    return "0x" + HexFormat.of().toHexDigits((byte) value);
  }
}
