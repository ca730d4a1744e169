package io.bergenholm.engine;

import io.bergenholm.api.SecretMask;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

  /** The config as it may be logged: declared secret keys and password-like keys masked. */
  static Map<String, String> maskConfig(Map<String, String> config, Set<String> secretKeys) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : config.entrySet()) {
      String k = e.getKey();
      String lower = k.toLowerCase(Locale.ROOT);
      boolean secret = secretKeys.contains(k) || lower.endsWith("password") || lower.endsWith("secret")
          || lower.endsWith("token");
      out.put(k, secret ? MASK : maskLocation(String.valueOf(e.getValue())));
    }
    return out;
  }
}
