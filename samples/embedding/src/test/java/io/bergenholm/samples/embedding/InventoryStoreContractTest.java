package io.bergenholm.samples.embedding;

import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.ParameterStoreContract;

/** The sample's own store meets the same contract as the built-in stores. */
class InventoryStoreContractTest extends ParameterStoreContract {
  @Override
  protected ParameterStore newStore() {
    return new InventoryStore();
  }
}
