package io.bergenholm.store.file;

import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.ParameterStoreContract;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

final class FileParameterStoreContractTest extends ParameterStoreContract {
  @TempDir Path dir;

  @Override
  protected ParameterStore newStore() {
    return FileParameterStore.open(dir.resolve("store"));
  }

  @Override
  protected Optional<ParameterStore> openSameStore(ParameterStore store) {
    return Optional.of(FileParameterStore.open(((FileParameterStore) store).root()));
  }
}
