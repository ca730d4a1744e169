package io.bergenholm.power.ipmi;

import java.util.Arrays;

/**
 * An IPMI message in LAN framing (IPMI v2.0 section 13.8): responder address and NetFn/LUN with a
 * checksum, then requester address, sequence/LUN, command, data and a second checksum. This client
 * is the remote console software id 0x81 and addresses the BMC at 0x20, LUN 0.
 *
 * @param netFn the network function (a response's is the request's plus one)
 * @param rqSeq the 6-bit requester sequence number that pairs a response with its request
 * @param completionCode a response's completion code; {@code -1} for a request
 * @param data the data after the command (after the completion code in a response)
 */
record IpmiMessage(int netFn, int rqSeq, int command, int completionCode, byte[] data) {
  static final int BMC_ADDRESS = 0x20;
  static final int CONSOLE_ADDRESS = 0x81;

  static final int NETFN_CHASSIS = 0x00;
  static final int NETFN_APP = 0x06;

  static byte[] encodeRequest(int netFn, int rqSeq, int command, byte[] data) {
    byte[] out = new byte[7 + data.length];
    out[0] = (byte) BMC_ADDRESS;
    out[1] = (byte) (netFn << 2);
    out[2] = checksum(out, 0, 2);
    out[3] = (byte) CONSOLE_ADDRESS;
    out[4] = (byte) (rqSeq << 2);
    out[5] = (byte) command;
    System.arraycopy(data, 0, out, 6, data.length);
    out[out.length - 1] = checksum(out, 3, out.length - 1);
    return out;
  }

  /** Decodes a response addressed to this console. */
  static IpmiMessage decodeResponse(byte[] m) throws MalformedPacketException {
    if (m.length < 8) {
      throw new MalformedPacketException("IPMI response of " + m.length + " bytes is too short");
    }
    if (checksum(m, 0, 2) != m[2] || checksum(m, 3, m.length - 1) != m[m.length - 1]) {
      throw new MalformedPacketException("IPMI message checksum mismatch");
    }
    if ((m[0] & 0xff) != CONSOLE_ADDRESS) {
      throw new MalformedPacketException("IPMI message for address " + Bytes.hex(m[0]));
    }
    return new IpmiMessage(
        (m[1] & 0xff) >>> 2,
        (m[4] & 0xff) >>> 2,
        m[5] & 0xff,
        m[6] & 0xff,
        Arrays.copyOfRange(m, 7, m.length - 1));
  }

  /** Two's complement checksum: the covered bytes plus the checksum sum to zero. */
  private static byte checksum(byte[] b, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i++) {
      sum += b[i];
    }
    return (byte) -sum;
  }
}
