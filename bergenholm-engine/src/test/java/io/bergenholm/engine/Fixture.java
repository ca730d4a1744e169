package io.bergenholm.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bergenholm.api.Params;
import io.bergenholm.api.store.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** The Python project's sample data, copied into the test resources. */
final class Fixture {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Fixture() {}

  static Path dir() {
    try {
      return Path.of(Fixture.class.getResource("/compat/fixture").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies every record of the fixture into {@code store}. */
  @SuppressWarnings("unchecked")
  static void load(ParameterStore store) {
    try {
      for (Path f : files("hosts")) {
        store.hosts().create(f.getFileName().toString(), Params.of(JSON.readValue(f.toFile(), Map.class)));
      }
      for (Path f : files("groups")) {
        store.groups().create(f.getFileName().toString(), Params.of(JSON.readValue(f.toFile(), Map.class)));
      }
      for (Path f : files("templates")) {
        store.templates().create(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.List<Path> files(String kind) throws IOException {
    try (Stream<Path> s = Files.list(dir().resolve(kind))) {
      return s.sorted().toList();
    }
  }
}
