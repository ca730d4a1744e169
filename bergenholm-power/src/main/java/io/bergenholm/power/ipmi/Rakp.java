package io.bergenholm.power.ipmi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The values both ends of an RMCP+ session compute from what RAKP messages 1 to 4 carry (IPMI v2.0
 * section 13.31): the key exchange auth codes of RAKP 2 and 3, the session integrity key (SIK), the
 * RAKP 4 integrity check value, and K1 (integrity) and K2 (confidentiality).
 *
 * <p>The BMC key K_G is taken to be unset, so the user's key K_UID also keys the SIK, which is what
 * BMCs do unless an operator configured a K_G. Session ids are used in wire (little-endian) order.
 */
final class Rakp {
  /** IPMI v2.0 passwords are at most 20 bytes; shorter ones are zero-padded to 20 as the key. */
  static final int MAX_PASSWORD_BYTES = 20;

  /** User names are at most 16 bytes. */
  static final int MAX_USER_BYTES = 16;

  /** Requested maximum privilege ADMINISTRATOR with the name-only lookup bit, as ipmitool sends. */
  static final int ROLE_ADMIN_NAME_ONLY = 0x14;

  private final CipherSuite suite;
  private final byte[] userKey;
  private final byte[] consoleSessionId;
  private final byte[] bmcSessionId;
  private final byte[] consoleRandom;
  private final byte[] bmcRandom;
  private final byte[] bmcGuid;
  private final int role;
  private final byte[] userName;

  /**
   * @param consoleSessionId the remote console's session id, 4 bytes as on the wire
   * @param bmcSessionId the managed system's session id, 4 bytes as on the wire
   */
  Rakp(
      CipherSuite suite,
      String password,
      byte[] consoleSessionId,
      byte[] bmcSessionId,
      byte[] consoleRandom,
      byte[] bmcRandom,
      byte[] bmcGuid,
      int role,
      String userName) {
    this.suite = suite;
    this.userKey = passwordKey(password);
    this.consoleSessionId = consoleSessionId.clone();
    this.bmcSessionId = bmcSessionId.clone();
    this.consoleRandom = consoleRandom.clone();
    this.bmcRandom = bmcRandom.clone();
    this.bmcGuid = bmcGuid.clone();
    this.role = role;
    this.userName = userName.getBytes(StandardCharsets.UTF_8);
  }

  /** K_UID: the password as bytes, zero-padded to 20. */
  static byte[] passwordKey(String password) {
    byte[] raw = password.getBytes(StandardCharsets.UTF_8);
    if (raw.length > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException("IPMI v2.0 passwords are at most 20 bytes");
    }
    return Arrays.copyOf(raw, MAX_PASSWORD_BYTES);
  }

  /**
   * RAKP 2 key exchange auth code: HMAC_KUID(SIDm, SIDc, Rm, Rc, GUIDc, ROLEm, ULENGTHm, UNAMEm).
   */
  byte[] rakp2AuthCode() {
    return hmac(
        userKey, consoleSessionId, bmcSessionId, consoleRandom, bmcRandom, bmcGuid, roleAndName());
  }

  /** RAKP 3 key exchange auth code: HMAC_KUID(Rc, SIDm, ROLEm, ULENGTHm, UNAMEm). */
  byte[] rakp3AuthCode() {
    return hmac(userKey, bmcRandom, consoleSessionId, roleAndName());
  }

  /** The session integrity key: HMAC_KG(Rm, Rc, ROLEm, ULENGTHm, UNAMEm), K_G being K_UID. */
  byte[] sik() {
    return hmac(userKey, consoleRandom, bmcRandom, roleAndName());
  }

  /** RAKP 4 integrity check value: HMAC_SIK(Rm, SIDc, GUIDc), truncated for the suite. */
  byte[] rakp4CheckValue() {
    return Arrays.copyOf(
        hmac(sik(), consoleRandom, bmcSessionId, bmcGuid), suite.integrityLength());
  }

  /** K1 = HMAC_SIK(20 × 0x01) and K2 = HMAC_SIK(20 × 0x02), for both suites. */
  SessionKeys sessionKeys() {
    byte[] sik = sik();
    byte[] const1 = new byte[20];
    byte[] const2 = new byte[20];
    Arrays.fill(const1, (byte) 1);
    Arrays.fill(const2, (byte) 2);
    return new SessionKeys(suite, hmac(sik, const1), hmac(sik, const2));
  }

  /** Compares in constant time, so that a forged auth code learns nothing from timing. */
  static boolean matches(byte[] expected, byte[] actual) {
    return MessageDigest.isEqual(expected, actual);
  }

  private byte[] roleAndName() {
    byte[] b = new byte[2 + userName.length];
    b[0] = (byte) role;
    b[1] = (byte) userName.length;
    System.arraycopy(userName, 0, b, 2, userName.length);
    return b;
  }

  private byte[] hmac(byte[] key, byte[]... parts) {
    return hmac(suite, key, parts);
  }

  static byte[] hmac(CipherSuite suite, byte[] key, byte[]... parts) {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      in.writeBytes(p);
    }
    try {
      Mac mac = Mac.getInstance(suite.hmac());
      mac.init(new SecretKeySpec(key, suite.hmac()));
      return mac.doFinal(in.toByteArray());
    } catch (GeneralSecurityException e) {
      // Every Java runtime must provide HmacSHA1 and HmacSHA256.
      throw new IllegalStateException(suite.hmac() + " is not available", e);
    }
  }
}
