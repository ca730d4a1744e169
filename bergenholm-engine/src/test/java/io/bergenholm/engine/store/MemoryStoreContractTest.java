package io.bergenholm.engine.store;

import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.ParameterStoreContract;

final class MemoryStoreContractTest extends ParameterStoreContract {
  @Override
  protected ParameterStore newStore() {
    return new MemoryStoreProvider().create(java.util.Map.of(MemoryStoreProvider.LOCATION, "memory:"));
  }
}
