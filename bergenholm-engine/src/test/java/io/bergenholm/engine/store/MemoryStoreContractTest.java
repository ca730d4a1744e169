package io.bergenholm.engine.store;

import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.ParameterStoreContract;

final class MemoryStoreContractTest extends ParameterStoreContract {
  @Override
  protected ParameterStore newStore() {
    return TestProviderContext.instantiate(
        new MemoryStoreProvider(), java.util.Map.of(MemoryStoreProvider.LOCATION, "memory:"));
  }
}
