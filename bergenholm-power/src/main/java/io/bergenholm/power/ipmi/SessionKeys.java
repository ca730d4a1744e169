package io.bergenholm.power.ipmi;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of an active RMCP+ session: K1 authenticates every packet (HMAC over the session header,
 * payload and trailer), and the first 16 bytes of K2 are the AES-CBC-128 key.
 */
final class SessionKeys {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int AES_BLOCK = 16;

  private final CipherSuite suite;
  private final byte[] k1;
  private final byte[] k2;

  SessionKeys(CipherSuite suite, byte[] k1, byte[] k2) {
    this.suite = suite;
    this.k1 = k1.clone();
    this.k2 = k2.clone();
  }

  CipherSuite suite() {
    return suite;
  }

  byte[] k1() {
    return k1.clone();
  }

  byte[] k2() {
    return k2.clone();
  }

  /** The AuthCode of a packet: HMAC_K1 over {@code data}, truncated for the suite. */
  byte[] authCode(byte[] data, int offset, int length) {
    byte[] covered = Arrays.copyOfRange(data, offset, offset + length);
    return Arrays.copyOf(Rakp.hmac(suite, k1, covered), suite.integrityLength());
  }

  /**
   * Encrypts an IPMI payload: a fresh random IV, then AES-CBC-128 over the payload followed by the
   * pad bytes 1, 2, 3, … and the pad length (IPMI v2.0 section 13.29).
   */
  byte[] encrypt(byte[] payload) {
    byte[] iv = new byte[AES_BLOCK];
    RANDOM.nextBytes(iv);
    return encrypt(payload, iv);
  }

  byte[] encrypt(byte[] payload, byte[] iv) {
    int pad = (AES_BLOCK - (payload.length + 1) % AES_BLOCK) % AES_BLOCK;
    byte[] plain = Arrays.copyOf(payload, payload.length + pad + 1);
    for (int i = 0; i < pad; i++) {
      plain[payload.length + i] = (byte) (i + 1);
    }
    plain[plain.length - 1] = (byte) pad;
    byte[] out = Arrays.copyOf(iv, AES_BLOCK + plain.length);
    byte[] sealed = aes(Cipher.ENCRYPT_MODE, iv, plain, 0, plain.length);
    System.arraycopy(sealed, 0, out, AES_BLOCK, sealed.length);
    return out;
  }

  /** Decrypts an IV-prefixed AES-CBC-128 payload and strips the confidentiality trailer. */
  byte[] decrypt(byte[] data) throws MalformedPacketException {
    if (data.length < 2 * AES_BLOCK || data.length % AES_BLOCK != 0) {
      throw new MalformedPacketException(
          "encrypted payload of " + data.length + " bytes is not an IV plus whole AES blocks");
    }
    byte[] iv = Arrays.copyOf(data, AES_BLOCK);
    byte[] plain = aes(Cipher.DECRYPT_MODE, iv, data, AES_BLOCK, data.length - AES_BLOCK);
    int pad = plain[plain.length - 1] & 0xff;
    if (pad >= AES_BLOCK || pad + 1 > plain.length) {
      throw new MalformedPacketException("confidentiality pad length " + pad + " is invalid");
    }
    return Arrays.copyOf(plain, plain.length - pad - 1);
  }

  private byte[] aes(int mode, byte[] iv, byte[] data, int offset, int length) {
    try {
      Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
      c.init(mode, new SecretKeySpec(Arrays.copyOf(k2, AES_BLOCK), "AES"), new IvParameterSpec(iv));
      return c.doFinal(data, offset, length);
    } catch (GeneralSecurityException e) {
      // AES/CBC/NoPadding is mandatory in every Java runtime and the lengths are checked above.
      throw new IllegalStateException("AES-CBC-128 failed", e);
    }
  }
}
