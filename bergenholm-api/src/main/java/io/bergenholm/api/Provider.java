package io.bergenholm.api;

import java.util.Map;
import java.util.Set;

/**
 * A named factory for one kind of plugin, found with {@link java.util.ServiceLoader} and chosen by
 * {@link #name()} from configuration. Each SPI has its own sub-interface (for example {@link
 * io.bergenholm.api.store.StoreProvider}); a plugin jar lists its implementations in {@code
 * META-INF/services/<sub-interface name>}.
 *
 * @param <T> what the provider creates
 */
public interface Provider<T> {
  /**
   * The name configuration uses to choose this provider.
   *
   * @return the name, such as {@code file} or {@code ipmi}
   */
  String name();

  /**
   * Creates an instance from a plain configuration map.
   *
   * @param config the provider's settings, keys without any prefix
   * @return the new instance
   * @throws BadInputException if a key is missing or has a value the provider cannot use; the
   *     message names the key (and never repeats a secret value)
   * @throws UnavailableException if a resource the instance needs cannot be reached now
   */
  T create(Map<String, String> config);

  /**
   * Configuration keys whose values are secret: masked in logs, diagnostics and API answers.
   *
   * @return the keys, none by default
   */
  default Set<String> secretConfigKeys() {
    return Set.of();
  }
}
