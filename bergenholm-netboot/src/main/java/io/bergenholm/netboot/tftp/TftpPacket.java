package io.bergenholm.netboot.tftp;

import java.util.Map;

/**
 * The TFTP packets this server reads and writes (RFC 1350, RFC 2347), plus {@link Malformed} for
 * bytes that are none of them. Payloads are copied out of the wire buffer, so a decoded packet
 * outlives it.
 */
sealed interface TftpPacket {

  int RRQ = 1;
  int WRQ = 2;
  int DATA = 3;
  int ACK = 4;
  int ERROR = 5;
  int OACK = 6;

  /** A read or write request; option names are lower-cased, the first of duplicates wins. */
  record Request(boolean write, String filename, String mode, Map<String, String> options)
      implements TftpPacket {
    public Request {
      options = Map.copyOf(options);
    }
  }

  record Data(int block, byte[] payload) implements TftpPacket {}

  record Ack(int block) implements TftpPacket {}

  record Error(int code, String message) implements TftpPacket {}

  /** Options in the order they were acknowledged. */
  record OptionAck(Map<String, String> options) implements TftpPacket {}

  /** Bytes that are not a TFTP packet, with the reason in words. */
  record Malformed(String reason) implements TftpPacket {}
}
