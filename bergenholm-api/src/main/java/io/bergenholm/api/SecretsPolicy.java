package io.bergenholm.api;

/**
 * The engine's one rule for secrets, lent to providers so that they mask what the engine masks. A
 * secret never appears in a log line, an exception message or an API answer.
 */
public interface SecretsPolicy {
  /**
   * Whether a configuration key or host parameter holds a secret: every key a loaded provider
   * declares ({@link Provider#secretConfigKeys()}, {@link
   * io.bergenholm.api.power.PowerDriverProvider#secretParameters()}), and every key whose name says
   * so (such as {@code ipmi_password}).
   *
   * @param key a configuration key or parameter name
   * @return true if its values are secret
   */
  boolean isSecret(String key);

  /**
   * A value as it may be shown: the value of a secret key replaced by a mask, and a password inside
   * any other value (such as {@code mongodb://user:pw@db/x}) masked.
   *
   * @param key the key the value belongs to
   * @param value the value
   * @return the value as it may be shown
   */
  String mask(String key, String value);

  /**
   * A location or URL as it may be shown: a password in its user part is masked.
   *
   * @param location a location or URL
   * @return it, as it may be shown
   */
  String maskLocation(String location);
}
