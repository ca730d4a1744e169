package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FileStoreProviderTest {
  @TempDir Path dir;

  private static StoreProvider provider() {
    return ServiceLoader.load(StoreProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("file"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no StoreProvider named 'file' is registered"));
  }

  @Test
  void isFoundByServiceLoaderAndOpensEveryLocationForm() throws IOException {
    StoreProvider provider = provider();
    assertThat(provider).isInstanceOf(FileStoreProvider.class);
    assertThat(provider.secretConfigKeys()).isEmpty();
    Path spaced = dir.resolve("with space");
    String[] locations = {
      "file:" + spaced,
      "file://" + spaced.toUri().getRawPath(),
      "file://localhost" + spaced.toUri().getRawPath()
    };
    for (int i = 0; i < locations.length; i++) {
      try (ParameterStore store =
          TestProviderContext.instantiate(provider, Map.of(StoreProvider.LOCATION, locations[i]))) {
        assertThat(((FileParameterStore) store).root())
            .as(locations[i])
            .isEqualTo(spaced.toRealPath());
        store.hosts().create("h" + i, Params.EMPTY);
      }
    }
    try (FileParameterStore store = FileParameterStore.open(spaced)) {
      assertThat(store.hosts().list()).containsExactly("h0", "h1", "h2");
    }
  }

  @Test
  void aRelativeLocationIsRelativeToTheWorkingFolder() {
    assertThat(FileStoreProvider.folder("file:data/store")).isEqualTo(Path.of("data/store"));
    assertThat(FileStoreProvider.folder("file:/var/lib/bergenholm"))
        .isEqualTo(Path.of("/var/lib/bergenholm"));
    assertThat(FileStoreProvider.folder("file:///var/lib/bergen%20holm"))
        .isEqualTo(Path.of("/var/lib/bergen holm"));
  }

  @Test
  void badConfigurationIsAnErrorNamingTheKey() {
    StoreProvider provider = provider();
    assertThatThrownBy(() -> TestProviderContext.instantiate(provider, Map.of()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'location'");
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(
                    provider, Map.of(StoreProvider.LOCATION, "mongodb://db/x")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("file:DIR");
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(provider, Map.of(StoreProvider.LOCATION, "file:")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("names no folder");
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(
                    provider, Map.of(StoreProvider.LOCATION, "file://server/share")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("must be local");
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(
                    provider, Map.of(StoreProvider.LOCATION, "file:" + dir, "readonly", "maybe")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'readonly'");
  }

  @Test
  void aFileWhereTheFolderShouldBeIsAnError() throws IOException {
    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertThatThrownBy(() -> FileParameterStore.open(file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("is a file, not a folder");
    Files.createDirectories(dir.resolve("s"));
    Files.writeString(dir.resolve("s/groups"), "x");
    assertThatThrownBy(() -> FileParameterStore.open(dir.resolve("s")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("groups folder");
  }

  @Test
  void readOnlyOnRequestRefusesWritesAndWritesNothing() throws IOException {
    try (ParameterStore store =
        TestProviderContext.instantiate(
            provider(), Map.of(StoreProvider.LOCATION, "file:" + dir, "readonly", "true"))) {
      assertThat(((FileParameterStore) store).isReadOnly()).isTrue();
      assertThatThrownBy(() -> store.templates().create("t", "x"))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("read-only (it was opened read-only)")
          .hasMessageContaining("template 't' was not written");
    }
    try (var entries = Files.list(dir)) {
      assertThat(entries).as("no folder and no lock file").isEmpty();
    }
  }

  @Test
  void aFolderWhosePermissionsGrantNoWriteIsReadOnlyEvenForRoot() throws IOException {
    Path store = Files.createDirectories(dir.resolve("ro"));
    try (FileParameterStore s = FileParameterStore.open(store)) {
      s.groups().create("g", Params.EMPTY);
    }
    Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("r-xr-xr-x"));
    try (FileParameterStore s = FileParameterStore.open(store)) {
      assertThat(s.isReadOnly()).isTrue();
      assertThat(s.groups().list()).containsExactly("g");
      assertThatThrownBy(
              () -> s.groups().replace("g", Params.of(Map.of("a", 1L)), java.util.Optional.empty()))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("grant nobody write access");
      assertThat(s.groups().get("g").orElseThrow().value()).isEqualTo(Params.EMPTY);
    } finally {
      Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aMissingFolderIsCreatedButReadOnlyNeedsItToExist() {
    Path fresh = dir.resolve("a/b/c");
    try (FileParameterStore s = FileParameterStore.open(fresh)) {
      assertThat(fresh).isDirectory();
      assertThat(s.hosts().list()).isEmpty();
      assertThat(fresh.resolve("hosts")).doesNotExist();
      s.hosts().create("h", Params.EMPTY);
      assertThat(fresh.resolve("hosts/h")).isRegularFile();
    }
    assertThatThrownBy(() -> FileParameterStore.openReadOnly(dir.resolve("missing")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("does not exist");
  }
}
