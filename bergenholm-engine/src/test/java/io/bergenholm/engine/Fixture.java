package io.bergenholm.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Python project's sample data (groups, hosts, templates), copied into the test resources. */
final class Fixture {
  private Fixture() {}

  /** The fixture folder as it is; open it read-only. */
  static Path dir() {
    try {
      return Path.of(Fixture.class.getResource("/compat/fixture").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A writable copy of the fixture in {@code target}, which must not exist yet. */
  static Path copyTo(Path target) {
    try {
      for (String kind : List.of("hosts", "groups", "templates")) {
        Files.createDirectories(target.resolve(kind));
        try (Stream<Path> files = Files.list(dir().resolve(kind))) {
          for (Path f : files.toList()) {
            Files.copy(f, target.resolve(kind).resolve(f.getFileName().toString()));
          }
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
