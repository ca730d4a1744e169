package io.bergenholm.api;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A {@link ProviderContext} for testing a provider on its own, without an engine (the engine's
 * context lives in a module providers do not depend on): templates from a map, a daemon scheduler,
 * and a secrets policy that treats names ending in {@code password}, {@code secret} or {@code
 * token} as secret.
 */
public final class TestProviderContext implements ProviderContext {
  private static final ScheduledExecutorService SCHEDULER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-provider-scheduler");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, String> templates;

  private TestProviderContext(Map<String, String> templates) {
    this.templates = Map.copyOf(templates);
  }

  /** A context without stored templates. */
  public static ProviderContext create() {
    return new TestProviderContext(Map.of());
  }

  /** A context whose stored templates are {@code templates}. */
  public static ProviderContext withTemplates(Map<String, String> templates) {
    return new TestProviderContext(templates);
  }

  /**
   * {@code provider.create} under its own name, with {@code config} and a context without
   * templates.
   */
  public static <T> T instantiate(Provider<T> provider, Map<String, String> config) {
    return provider.create(provider.name(), config, create());
  }

  @Override
  public Optional<String> storedTemplate(String name) {
    return Optional.ofNullable(templates.get(name));
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return SCHEDULER;
  }

  @Override
  public SecretsPolicy secrets() {
    return new SecretsPolicy() {
      @Override
      public boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.endsWith("password") || k.endsWith("secret") || k.endsWith("token");
      }

      @Override
      public String mask(String key, String value) {
        return isSecret(key) ? SecretMask.MASK : maskLocation(value);
      }

      @Override
      public String maskLocation(String location) {
        return SecretMask.maskUrlCredentials(location);
      }
    };
  }
}
