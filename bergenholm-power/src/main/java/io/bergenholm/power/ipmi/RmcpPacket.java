package io.bergenholm.power.ipmi;

import java.util.Arrays;
import java.util.Optional;

/**
 * One RMCP datagram carrying IPMI: the pre-session IPMI v1.5 form (used only for Get Channel
 * Authentication Capabilities) and the IPMI v2.0 RMCP+ form, with its optional AES-CBC-128 payload
 * encryption and HMAC integrity trailer (IPMI v2.0 sections 13.6 and 13.28).
 *
 * @param payloadType the payload type without the encrypted/authenticated bits
 * @param sessionId the session id field, as a little-endian number
 * @param sequence the session sequence number field
 * @param payload the decrypted payload
 */
record RmcpPacket(
    int payloadType, boolean authenticated, int sessionId, int sequence, byte[] payload) {

  static final int PAYLOAD_IPMI = 0x00;
  static final int PAYLOAD_OPEN_SESSION_REQUEST = 0x10;
  static final int PAYLOAD_OPEN_SESSION_RESPONSE = 0x11;
  static final int PAYLOAD_RAKP_1 = 0x12;
  static final int PAYLOAD_RAKP_2 = 0x13;
  static final int PAYLOAD_RAKP_3 = 0x14;
  static final int PAYLOAD_RAKP_4 = 0x15;

  private static final byte[] RMCP_HEADER = {0x06, 0x00, (byte) 0xff, 0x07};
  private static final int AUTH_TYPE_NONE = 0x00;
  private static final int AUTH_TYPE_RMCP_PLUS = 0x06;
  private static final int ENCRYPTED = 0x80;
  private static final int AUTHENTICATED = 0x40;
  private static final int NEXT_HEADER = 0x07;

  /** Offset of the session header (the AuthType byte) after the RMCP header. */
  private static final int SESSION_START = 4;

  /** AuthType, payload type, session id, sequence number, payload length. */
  private static final int V2_HEADER = 12;

  /** A pre-session IPMI v1.5 packet with no authentication, carrying one IPMI message. */
  static byte[] encodeV15(byte[] message) {
    byte[] out = new byte[SESSION_START + 10 + message.length];
    System.arraycopy(RMCP_HEADER, 0, out, 0, 4);
    out[4] = AUTH_TYPE_NONE;
    // sequence number and session id stay zero outside a session
    out[13] = (byte) message.length;
    System.arraycopy(message, 0, out, 14, message.length);
    return out;
  }

  /** An RMCP+ packet outside a session: session id and sequence number zero, no trailer. */
  static byte[] encodeV2(int payloadType, byte[] payload) {
    byte[] out = new byte[SESSION_START + V2_HEADER + payload.length];
    writeV2Header(out, payloadType, 0, 0, payload.length);
    System.arraycopy(payload, 0, out, SESSION_START + V2_HEADER, payload.length);
    return out;
  }

  /**
   * An encrypted and authenticated RMCP+ packet inside an active session.
   *
   * @param bmcSessionId the managed system's session id, which every request names
   */
  static byte[] encodeV2(
      int payloadType, int bmcSessionId, int sequence, byte[] payload, SessionKeys keys) {
    byte[] sealed = keys.encrypt(payload);
    int covered = V2_HEADER + sealed.length + 2;
    int pad = (4 - covered % 4) % 4;
    int authLength = keys.suite().integrityLength();
    byte[] out = new byte[SESSION_START + covered + pad + authLength];
    writeV2Header(
        out, payloadType | ENCRYPTED | AUTHENTICATED, bmcSessionId, sequence, sealed.length);
    int p = SESSION_START + V2_HEADER;
    System.arraycopy(sealed, 0, out, p, sealed.length);
    p += sealed.length;
    for (int i = 0; i < pad; i++) {
      out[p++] = (byte) 0xff;
    }
    out[p++] = (byte) pad;
    out[p++] = NEXT_HEADER;
    byte[] auth = keys.authCode(out, SESSION_START, p - SESSION_START);
    System.arraycopy(auth, 0, out, p, authLength);
    return out;
  }

  private static void writeV2Header(
      byte[] out, int payloadTypeByte, int sessionId, int sequence, int payloadLength) {
    System.arraycopy(RMCP_HEADER, 0, out, 0, 4);
    out[4] = AUTH_TYPE_RMCP_PLUS;
    out[5] = (byte) payloadTypeByte;
    Bytes.putLe32(out, 6, sessionId);
    Bytes.putLe32(out, 10, sequence);
    out[14] = (byte) payloadLength;
    out[15] = (byte) (payloadLength >>> 8);
  }

  /**
   * Decodes a received datagram. An authenticated packet is only accepted with {@code keys} and a
   * matching AuthCode; an encrypted one is decrypted.
   *
   * @throws MalformedPacketException for anything that is not a well-formed packet of ours
   */
  static RmcpPacket decode(byte[] data, int length, Optional<SessionKeys> keys)
      throws MalformedPacketException {
    if (length < SESSION_START + 10 || data[0] != 0x06 || (data[3] & 0x1f) != 0x07) {
      throw new MalformedPacketException("not an RMCP packet of class IPMI");
    }
    int authType = data[4] & 0xff;
    if (authType != AUTH_TYPE_RMCP_PLUS) {
      return decodeV15(data, length, authType);
    }
    if (length < SESSION_START + V2_HEADER) {
      throw new MalformedPacketException("RMCP+ packet of " + length + " bytes is too short");
    }
    int typeByte = data[5] & 0xff;
    boolean encrypted = (typeByte & ENCRYPTED) != 0;
    boolean authenticated = (typeByte & AUTHENTICATED) != 0;
    int sessionId = Bytes.le32(data, 6);
    int sequence = Bytes.le32(data, 10);
    int payloadLength = Bytes.le16(data, 14);
    int payloadStart = SESSION_START + V2_HEADER;
    if (payloadStart + payloadLength > length) {
      throw new MalformedPacketException(
          "payload length " + payloadLength + " runs past the end of a " + length + "-byte packet");
    }
    byte[] payload = Arrays.copyOfRange(data, payloadStart, payloadStart + payloadLength);
    if (authenticated || encrypted) {
      SessionKeys k =
          keys.orElseThrow(
              () ->
                  new MalformedPacketException(
                      "authenticated or encrypted packet outside a session"));
      if (authenticated) {
        verifyTrailer(data, length, payloadStart + payloadLength, k);
      }
      if (encrypted) {
        payload = k.decrypt(payload);
      }
    }
    return new RmcpPacket(typeByte & 0x3f, authenticated, sessionId, sequence, payload);
  }

  private static void verifyTrailer(byte[] data, int length, int payloadEnd, SessionKeys keys)
      throws MalformedPacketException {
    int authLength = keys.suite().integrityLength();
    int nextHeaderAt = length - authLength - 1;
    int padLengthAt = nextHeaderAt - 1;
    if (padLengthAt < payloadEnd) {
      throw new MalformedPacketException("integrity trailer is missing");
    }
    int pad = data[padLengthAt] & 0xff;
    if (payloadEnd + pad != padLengthAt || data[nextHeaderAt] != NEXT_HEADER) {
      throw new MalformedPacketException("integrity trailer is malformed");
    }
    byte[] expected = keys.authCode(data, SESSION_START, nextHeaderAt + 1 - SESSION_START);
    byte[] actual = Arrays.copyOfRange(data, nextHeaderAt + 1, length);
    if (!Rakp.matches(expected, actual)) {
      throw new MalformedPacketException("AuthCode does not match (packet altered or forged)");
    }
  }

  private static RmcpPacket decodeV15(byte[] data, int length, int authType)
      throws MalformedPacketException {
    // v1.5: AuthType, sequence (4), session id (4), [AuthCode (16)], length (1), message
    int sequence = Bytes.le32(data, 5);
    int sessionId = Bytes.le32(data, 9);
    int p = 13 + (authType == AUTH_TYPE_NONE ? 0 : 16);
    if (p >= length) {
      throw new MalformedPacketException("IPMI v1.5 packet is too short");
    }
    int messageLength = data[p] & 0xff;
    if (p + 1 + messageLength > length) {
      throw new MalformedPacketException("IPMI v1.5 message length runs past the packet");
    }
    return new RmcpPacket(
        PAYLOAD_IPMI,
        false,
        sessionId,
        sequence,
        Arrays.copyOfRange(data, p + 1, p + 1 + messageLength));
  }
}
