package io.bergenholm.engine.store;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.util.Map;

/**
 * Store provider {@code memory}: location {@code memory:} gives a new, empty {@link MemoryStore}.
 */
public final class MemoryStoreProvider implements StoreProvider {
  public static final String NAME = "memory";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ParameterStore create(String name, Map<String, String> config, ProviderContext context) {
    String location = config.getOrDefault(LOCATION, "memory:");
    if (!location.equals("memory:") && !location.equals("memory")) {
      throw new BadInputException(
          "memory store location must be 'memory:', found '" + location + "'");
    }
    return new MemoryStore();
  }
}
