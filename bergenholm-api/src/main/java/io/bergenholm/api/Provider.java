package io.bergenholm.api;

import java.util.Map;
import java.util.Set;

/**
 * A named factory for one kind of plugin, found with {@link java.util.ServiceLoader} and chosen by
 * {@link #name()} from configuration. Each SPI has its own sub-interface ({@link
 * io.bergenholm.api.store.StoreProvider}, {@link io.bergenholm.api.render.RendererProvider}, {@link
 * io.bergenholm.api.image.ImageSourceProvider}, {@link
 * io.bergenholm.api.power.PowerDriverProvider}); a plugin jar lists its implementations in {@code
 * META-INF/services/<sub-interface name>}. A provider needs a public no-argument constructor and
 * should do no work in it: the engine may load providers it never uses.
 *
 * <p>Two providers of one SPI that claim the same name are an error when the engine starts, unless
 * configuration names the one to use (see {@code docs/plugins.md}).
 *
 * <p>Error contract of {@link #create}: configuration the provider cannot use is a {@link
 * BadInputException} naming the key (and never repeating a secret value); a resource the instance
 * needs that cannot be reached now is an {@link UnavailableException}. Nothing else is thrown on
 * purpose; "not found" and "conflict" do not arise when creating.
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
   * Creates an instance.
   *
   * @param name the name configuration chose this provider by (the same as {@link #name()} unless
   *     the engine was told to use this provider under another name); use it in messages
   * @param config this provider's own settings, with the engine's prefix (such as {@code
   *     power.ipmi.}) taken off; keys the provider does not know should be refused as bad input
   * @param context what the engine lends every provider: stored templates, a scheduler, the secrets
   *     policy
   * @return the new instance
   * @throws BadInputException if a key is missing or has a value the provider cannot use; the
   *     message names the key (and never repeats a secret value)
   * @throws UnavailableException if a resource the instance needs cannot be reached now
   */
  T create(String name, Map<String, String> config, ProviderContext context);

  /**
   * Configuration keys whose values are secret: masked in logs, diagnostics and API answers.
   *
   * @return the keys, none by default
   */
  default Set<String> secretConfigKeys() {
    return Set.of();
  }
}
