package io.bergenholm.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The sample data shipped in the runner's jar, copied to a writable folder so that edits made
 * through the API never touch the shipped files.
 */
final class SampleData {
  static final String RESOURCE = "io/bergenholm/server/sample";

  private SampleData() {}

  /** The default folder: {@code $XDG_DATA_HOME/bergenholm/sample} or {@code ~/.local/share/...}. */
  static Path defaultFolder() {
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("bergenholm").resolve("sample");
  }

  /**
   * Copies the sample into {@code target} unless it already holds data; returns whether it copied.
   */
  static boolean install(Path target) {
    try {
      if (Files.isDirectory(target.resolve("hosts"))
          || Files.isDirectory(target.resolve("groups"))) {
        return false;
      }
      URL url = SampleData.class.getClassLoader().getResource(RESOURCE + "/hosts/default");
      if (url == null) {
        throw new IllegalStateException("the sample data is missing from the runner's class path");
      }
      URI root = url.toURI();
      if (root.getScheme().equals("jar")) {
        try (FileSystem jar = FileSystems.newFileSystem(root, Map.of())) {
          copyTree(jar.getPath("/" + RESOURCE), target);
        }
      } else {
        copyTree(Path.of(root).getParent().getParent(), target);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot copy the sample data to " + target + ": " + e.getMessage(), e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copyTree(Path source, Path target) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      Path to = target.resolve(source.relativize(f).toString());
      Files.createDirectories(to.getParent());
      Files.copy(f, to);
    }
  }
}
