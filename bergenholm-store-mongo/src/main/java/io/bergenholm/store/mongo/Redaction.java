package io.bergenholm.store.mongo;

import io.bergenholm.api.SecretMask;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Keeps a database password out of text that leaves the store (messages, logs). */
final class Redaction {
  static final String MASK = SecretMask.MASK;

  private Redaction() {}

  /** {@code text} with every occurrence of {@code password}, raw or URL-decoded, masked. */
  static String scrub(String text, Optional<String> password) {
    if (text == null || password.isEmpty() || password.get().isEmpty()) {
      return text;
    }
    String raw = password.get();
    String out = text.replace(raw, MASK);
    try {
      String decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
      if (!decoded.isEmpty()) {
        out = out.replace(decoded, MASK);
      }
    } catch (IllegalArgumentException notUrlEncoded) {
      // The raw form has been masked already; a malformed escape has no other form to mask.
    }
    return out;
  }
}
