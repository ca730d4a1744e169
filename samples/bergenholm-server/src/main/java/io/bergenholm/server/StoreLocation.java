package io.bergenholm.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Checks a {@code --store} location before the engine opens it: a location needs a scheme, and a
 * {@code file:} store's directory must exist unless {@code --init} asks to create it, so that a
 * mistyped path is an error and not a new, empty store.
 */
final class StoreLocation {
  private static final Pattern SCHEME =
      Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*", Pattern.DOTALL);

  private StoreLocation() {}

  /**
   * Checks {@code location}, creating a missing {@code file:} directory when {@code init} is set.
   *
   * @return the location, unchanged
   * @throws IllegalArgumentException for a location without a scheme (suggesting {@code file:}) or
   *     a missing directory without {@code init}
   */
  static String check(String location, boolean init) {
    if (!SCHEME.matcher(location).matches()) {
      String path = Path.of(location).toAbsolutePath().normalize().toString();
      throw new IllegalArgumentException(
          "--store '"
              + location
              + "' has no scheme; did you mean 'file:"
              + path
              + "'? (a store is file:DIR, mongodb://HOST/DB or memory:)");
    }
    if (!location.startsWith("file:")) {
      return location;
    }
    String rest = location.substring("file:".length());
    Path dir;
    try {
      if (rest.startsWith("//")) {
        URI uri = new URI(location);
        if (uri.getAuthority() != null || uri.getPath() == null || uri.getPath().isEmpty()) {
          return location; // the store names what is wrong with it
        }
        dir = Path.of(uri.getPath());
      } else if (rest.isEmpty()) {
        return location;
      } else {
        dir = Path.of(rest);
      }
    } catch (URISyntaxException | InvalidPathException e) {
      return location;
    }
    if (Files.isDirectory(dir)) {
      return location;
    }
    if (Files.exists(dir)) {
      throw new IllegalArgumentException(
          "--store " + location + ": " + dir + " is not a directory");
    }
    if (!init) {
      throw new IllegalArgumentException(
          "--store "
              + location
              + ": directory "
              + dir
              + " does not exist (add --init to create an empty store there)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("--init: cannot create " + dir + ": " + e.getMessage(), e);
    }
    return location;
  }
}
