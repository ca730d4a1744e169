package io.bergenholm.netboot.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer tokens the management side accepts. Only SHA-256 digests of the tokens are kept, so a
 * heap dump or a lookup's timing says nothing useful about a token.
 *
 * <p>File format, one token a line: {@code rw <token> [label]} or {@code ro <token> [label]}; blank
 * lines and lines starting with {@code #} are skipped. Tokens are at least 16 characters.
 */
public final class AccessTokens {
  static final int MIN_TOKEN_LENGTH = 16;

  private static final AccessTokens NONE = new AccessTokens(Map.of());

  private final Map<String, Access> byDigest;
  private final Map<String, String> labels;

  private AccessTokens(Map<String, Access> byDigest) {
    this(byDigest, Map.of());
  }

  private AccessTokens(Map<String, Access> byDigest, Map<String, String> labels) {
    this.byDigest = Map.copyOf(byDigest);
    this.labels = Map.copyOf(labels);
  }

  /** No tokens: the management side is open to everyone (with read-write access). */
  public static AccessTokens none() {
    return NONE;
  }

  /** Tokens given directly, for embedding and tests. */
  public static AccessTokens of(Map<String, Access> tokens) {
    Map<String, Access> digests = new HashMap<>();
    tokens.forEach((token, access) -> digests.put(digest(checkToken(token, "token")), access));
    return new AccessTokens(digests);
  }

  /**
   * Reads a tokens file.
   *
   * @throws IllegalArgumentException naming the file and line of a malformed entry
   * @throws UncheckedIOException if the file cannot be read
   */
  public static AccessTokens read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokens file " + file + ": " + e.getMessage(), e);
    }
    Map<String, Access> digests = new HashMap<>();
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + " line " + (i + 1);
      String[] fields = line.split("\\s+", 3);
      if (fields.length < 2) {
        throw new IllegalArgumentException(
            where + ": expected 'rw <token> [label]' or 'ro <token> [label]'");
      }
      Access access =
          switch (fields[0]) {
            case "rw" -> Access.READ_WRITE;
            case "ro" -> Access.READ_ONLY;
            default ->
                throw new IllegalArgumentException(
                    where + ": access must be 'rw' or 'ro', found '" + fields[0] + "'");
          };
      String digest = digest(checkToken(fields[1], where));
      digests.put(digest, access);
      labels.put(digest, fields.length > 2 ? fields[2].strip() : "line " + (i + 1));
    }
    return new AccessTokens(digests, labels);
  }

  public boolean isEmpty() {
    return byDigest.isEmpty();
  }

  /** The access a presented token grants, if it is one of ours. */
  public Optional<Access> lookup(String token) {
    return Optional.ofNullable(byDigest.get(digest(token)));
  }

  /**
   * The label a token has in the tokens file (its third field; {@code line N} when it has none),
   * for the audit log; {@code open} when no tokens are configured, {@code token} for tokens given
   * directly.
   */
  public String label(String token) {
    if (byDigest.isEmpty()) {
      return "open";
    }
    return labels.getOrDefault(digest(token), "token");
  }

  private static String checkToken(String token, String where) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          where + ": tokens must be at least " + MIN_TOKEN_LENGTH + " characters long");
    }
    return token;
  }

  private static String digest(String token) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
