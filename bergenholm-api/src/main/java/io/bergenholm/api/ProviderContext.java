package io.bergenholm.api;

import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the engine lends every provider it creates. One context serves every provider of an engine
 * and lives as long as the engine; providers keep it if they need it later.
 */
public interface ProviderContext {
  /**
   * The text of a stored template, or empty if there is none of that name. Renderers resolve {@code
   * {% include %}} and the like through this and nothing else. A store provider sees no templates
   * (the store is what is being created).
   *
   * @param name the template's name
   * @return its text, or empty
   * @throws UnavailableException if the store cannot be reached now
   */
  Optional<String> storedTemplate(String name);

  /**
   * A scheduler shared by the engine's providers, for periodic work (change polling, session
   * keep-alive). Tasks must be short and must not block: long work belongs on the provider's own
   * threads. Providers never shut it down; the engine does when it closes.
   *
   * @return the shared scheduler
   */
  ScheduledExecutorService scheduler();

  /**
   * Which configuration keys and parameters hold secrets, and how to mask them.
   *
   * @return the engine's secrets policy
   */
  SecretsPolicy secrets();
}
