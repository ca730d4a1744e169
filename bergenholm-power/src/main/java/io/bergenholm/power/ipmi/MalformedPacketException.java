package io.bergenholm.power.ipmi;

/** A datagram that is not a well-formed RMCP/IPMI packet; the client drops it and keeps waiting. */
final class MalformedPacketException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedPacketException(String message) {
    super(message);
  }
}
