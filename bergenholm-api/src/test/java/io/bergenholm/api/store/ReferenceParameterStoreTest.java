package io.bergenholm.api.store;

import java.util.Optional;

/** Runs the contract against the in-memory reference store, which keeps the suite itself honest. */
final class ReferenceParameterStoreTest extends ParameterStoreContract {
  @Override
  protected ParameterStore newStore() {
    return new ReferenceParameterStore();
  }

  @Override
  protected Optional<ParameterStore> openSameStore(ParameterStore store) {
    return Optional.of(((ReferenceParameterStore) store).sharing());
  }
}
