package io.bergenholm.engine;

import io.bergenholm.api.SecretMask;
import java.util.Locale;

/** Keeps secrets out of logs and messages. */
final class Secrets {
  static final String MASK = SecretMask.MASK;

  private Secrets() {}

  /** A parameter whose name says it is a password, whatever declared it. */
  static boolean isPasswordName(String key) {
    return key.toLowerCase(Locale.ROOT).endsWith("_password");
  }

  /** {@code mongodb://user:pw@h/db} → {@code mongodb://user:********@h/db}. */
  static String maskLocation(String location) {
    return SecretMask.maskUrlCredentials(location);
  }
}
