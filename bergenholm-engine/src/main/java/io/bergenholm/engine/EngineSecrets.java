package io.bergenholm.engine;

import io.bergenholm.api.SecretsPolicy;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secrets policy lent to providers: keys providers declare (config keys, with and without the
 * engine's prefix, and host parameters) and keys whose names say they are secret.
 */
final class EngineSecrets implements SecretsPolicy {
  private final Set<String> declared = ConcurrentHashMap.newKeySet();

  void declare(String key) {
    declared.add(key);
  }

  @Override
  public boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return declared.contains(key) || lower.endsWith("password") || lower.endsWith("secret")
        || lower.endsWith("token");
  }

  @Override
  public String mask(String key, String value) {
    return isSecret(key) ? Secrets.MASK : Secrets.maskLocation(value);
  }

  @Override
  public String maskLocation(String location) {
    return Secrets.maskLocation(location);
  }
}
