package io.bergenholm.engine.plugin;

import io.bergenholm.api.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins in a folder, each with its own class loader. The folder holds, side by side:
 *
 * <ul>
 *   <li>{@code NAME.jar}: a plugin in one jar (its dependencies shaded in, or none);
 *   <li>{@code NAME/}: a plugin as a folder of jars, the plugin's own jar and its libraries.
 * </ul>
 *
 * Anything else is ignored. Within one plugin, classes come from its own jars first; only the
 * Bergenholm API ({@code io.bergenholm.api.*}), the SLF4J API ({@code org.slf4j.*}) and the JDK are
 * shared with the engine (see {@code docs/plugins.md}).
 */
public final class PluginFolder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PluginFolder.class);

  private final Path dir;
  private final List<PluginClassLoader> loaders;

  private PluginFolder(Path dir, List<PluginClassLoader> loaders) {
    this.dir = dir;
    this.loaders = loaders;
  }

  /**
   * Opens every plugin in {@code dir}, sharing the API with {@code engine} (normally the loader of
   * the engine's own classes).
   *
   * @throws BadInputException if {@code dir} is not a directory, or a plugin folder holds no jar
   */
  public static PluginFolder open(Path dir, ClassLoader engine) {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException("plugin folder " + dir + " is not a directory");
    }
    List<PluginClassLoader> loaders = new ArrayList<>();
    for (Path entry : list(dir)) {
      String file = entry.getFileName().toString();
      if (Files.isDirectory(entry)) {
        List<Path> jars = list(entry).stream().filter(PluginFolder::isJar).toList();
        if (jars.isEmpty()) {
          throw new BadInputException("plugin folder " + entry + " holds no jar");
        }
        loaders.add(new PluginClassLoader(file, urls(jars), engine));
        log.info("plugin {}: {}", file, jars);
      } else if (isJar(entry)) {
        loaders.add(
            new PluginClassLoader(
                file.substring(0, file.length() - 4), urls(List.of(entry)), engine));
        log.info("plugin {}: {}", file, entry);
      }
    }
    return new PluginFolder(dir, List.copyOf(loaders));
  }

  /** One class loader per plugin, in the order of the plugins' file names. */
  public List<ClassLoader> classLoaders() {
    return List.copyOf(loaders);
  }

  /** The folder the plugins came from. */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    for (PluginClassLoader loader : loaders) {
      try {
        loader.close();
      } catch (IOException e) {
        log.warn("closing plugin {} failed: {}", loader.getName(), e.toString());
      }
    }
  }

  private static boolean isJar(Path p) {
    return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list plugins in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static URL[] urls(List<Path> jars) {
    URL[] out = new URL[jars.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = jars.get(i).toUri().toURL();
      } catch (MalformedURLException e) {
        throw new BadInputException("bad plugin path " + jars.get(i) + ": " + e.getMessage());
      }
    }
    return out;
  }
}
