package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-host boot credentials: {@code HMAC-SHA256(server secret, host id)}, rendered into the URLs a
 * host is given (its kickstart URL, its {@code installed_url}) as the computed parameter {@value
 * #PARAMETER}, so that the machine being installed can read its own kickstart and mark itself
 * installed without a management token, and nobody else can. Nothing is stored per host; the
 * credential of a host changes only with the secret.
 *
 * <p>The secret comes from {@value #SECRET_FILE} (a file created with 32 random bytes and mode 0600
 * when it does not exist), or {@value #SECRET} (the secret itself, for embedding). Every replica
 * sharing one store must use the same secret, and it must survive restarts, or machines booted by
 * one replica are refused by another; without either setting the engines of this process share a
 * random secret made at first use, which lasts until the process stops, and warn.
 */
public final class BootCredentials {
  /** The computed parameter that holds a host's credential. */
  public static final String PARAMETER = "boot_token";

  /** Setting: the secret itself (at least 32 characters). */
  public static final String SECRET = "boot.secret";

  /** Setting: a file holding the secret, created if missing. */
  public static final String SECRET_FILE = "boot.secret_file";

  private static final Logger log = LoggerFactory.getLogger(BootCredentials.class);
  private static final int MIN_SECRET_CHARS = 32;

  private final SecretKeySpec key;

  private BootCredentials(byte[] secret) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** A credential source with this secret (at least 32 bytes). */
  public static BootCredentials withSecret(byte[] secret) {
    if (secret.length < MIN_SECRET_CHARS) {
      throw new BadInputException(
          "the boot secret must have at least "
              + MIN_SECRET_CHARS
              + " bytes, found "
              + secret.length);
    }
    return new BootCredentials(secret.clone());
  }

  /** From the engine settings {@value #SECRET} or {@value #SECRET_FILE} (see the class comment). */
  static BootCredentials fromConfig(Map<String, String> config) {
    String literal = config.get(SECRET);
    String file = config.get(SECRET_FILE);
    if (literal != null && file != null) {
      throw new BadInputException(
          "set one of '" + SECRET + "' and '" + SECRET_FILE + "', not both");
    }
    if (literal != null) {
      try {
        return withSecret(literal.strip().getBytes(StandardCharsets.UTF_8));
      } catch (BadInputException e) {
        throw new BadInputException("setting '" + SECRET + "': " + e.getMessage(), e);
      }
    }
    if (file != null) {
      return fromFile(Path.of(file.strip()));
    }
    log.warn(
        "no '{}' set: boot credentials (the {} in kickstart and installed URLs) come from a random secret "
            + "that lasts until this process stops and that other replicas do not share",
        SECRET_FILE,
        PARAMETER);
    return new BootCredentials(ProcessSecret.VALUE);
  }

  /** One random secret per process, so that engines over one store in one process agree. */
  private static final class ProcessSecret {
    static final byte[] VALUE = randomSecret().getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads the secret file, creating it (0600, 32 random bytes in base64) if it does not exist. */
  static BootCredentials fromFile(Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
      try {
        return withSecret(secret.getBytes(StandardCharsets.UTF_8));
      } catch (BadInputException e) {
        throw new BadInputException("boot secret file " + file + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UnavailableException(
          "cannot read or create the boot secret file " + file + ": " + e, e);
    }
  }

  private static void create(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException raced) {
      return; // another replica or process made it first: use theirs
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(
        file,
        randomSecret() + "\n",
        StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    log.info("created the boot secret file {}", file);
  }

  private static String randomSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The credential of host {@code hostId}: 43 URL-safe characters. */
  public String tokenFor(String hostId) {
    Objects.requireNonNull(hostId, "hostId");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] digest = mac.doFinal(("bergenholm-boot\0" + hostId).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }

  /** Whether {@code token} is host {@code hostId}'s credential, compared in constant time. */
  public boolean verify(String hostId, String token) {
    if (token == null) {
      return false;
    }
    return MessageDigest.isEqual(
        tokenFor(hostId).getBytes(StandardCharsets.US_ASCII),
        token.getBytes(StandardCharsets.UTF_8));
  }
}
