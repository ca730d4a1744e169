package io.bergenholm.power.ipmi;

import java.util.Optional;

/**
 * The RMCP+ cipher suites this client speaks. Both use AES-CBC-128 for confidentiality; they differ
 * in the HMAC that authenticates the RAKP exchange and derives the keys, and in how much of it the
 * integrity trailer carries.
 */
enum CipherSuite {
  /** RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128: what almost every BMC offers. */
  SUITE_3(3, 0x01, 0x01, "HmacSHA1", 20, 12),
  /** RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128: IPMI v2.0 errata 4, newer BMCs. */
  SUITE_17(17, 0x03, 0x04, "HmacSHA256", 32, 16);

  /** Confidentiality algorithm number of AES-CBC-128 in the Open Session Request. */
  static final int AES_CBC_128 = 0x01;

  private final int id;
  private final int authenticationAlgorithm;
  private final int integrityAlgorithm;
  private final String hmac;
  private final int hmacLength;
  private final int integrityLength;

  CipherSuite(
      int id,
      int authenticationAlgorithm,
      int integrityAlgorithm,
      String hmac,
      int hmacLength,
      int integrityLength) {
    this.id = id;
    this.authenticationAlgorithm = authenticationAlgorithm;
    this.integrityAlgorithm = integrityAlgorithm;
    this.hmac = hmac;
    this.hmacLength = hmacLength;
    this.integrityLength = integrityLength;
  }

  static Optional<CipherSuite> byId(int id) {
    for (CipherSuite s : values()) {
      if (s.id == id) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  int id() {
    return id;
  }

  int authenticationAlgorithm() {
    return authenticationAlgorithm;
  }

  int integrityAlgorithm() {
    return integrityAlgorithm;
  }

  /** JCA name of the HMAC used for RAKP, key derivation and integrity. */
  String hmac() {
    return hmac;
  }

  /** Length of a full HMAC: the RAKP 2 and 3 auth codes, the SIK, K1 and K2. */
  int hmacLength() {
    return hmacLength;
  }

  /** How many leading HMAC bytes the RAKP 4 check value and each packet's AuthCode carry. */
  int integrityLength() {
    return integrityLength;
  }
}
