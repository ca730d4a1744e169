package io.bergenholm.store.file;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code file} store provider. Locations: {@code file:DIR} (DIR absolute or relative to the
 * working folder, taken literally) or the URI form {@code file:///DIR} (percent-escapes decoded).
 * Optional config key {@code readonly}: {@code true} refuses every write.
 */
public final class FileStoreProvider implements StoreProvider {
  /** Config key: {@code true} opens the store read-only. */
  public static final String READ_ONLY = "readonly";

  @Override
  public String name() {
    return "file";
  }

  @Override
  public ParameterStore create(String name, Map<String, String> config, ProviderContext context) {
    String location = config.get(LOCATION);
    if (location == null || location.isBlank()) {
      throw new BadInputException(
          "the file store needs config key '" + LOCATION + "', such as file:/var/lib/bergenholm");
    }
    return FileParameterStore.open(folder(location), readOnly(config.get(READ_ONLY)));
  }

  static Path folder(String location) {
    if (!location.startsWith("file:")) {
      throw new BadInputException(
          "store location '" + location + "' is not a file store location; use file:DIR");
    }
    String rest = location.substring("file:".length());
    try {
      if (rest.startsWith("//")) {
        URI uri = new URI(location);
        if (uri.getAuthority() != null && !"localhost".equalsIgnoreCase(uri.getAuthority())) {
          throw new BadInputException(
              "store location '"
                  + location
                  + "' names host '"
                  + uri.getAuthority()
                  + "'; a file store must be local (file:///DIR)");
        }
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
          throw new BadInputException("store location '" + location + "' names no folder");
        }
        return Path.of(uri.getPath());
      }
      if (rest.isEmpty()) {
        throw new BadInputException(
            "store location '" + location + "' names no folder; use file:DIR");
      }
      return Path.of(rest);
    } catch (URISyntaxException | InvalidPathException e) {
      throw new BadInputException(
          "store location '" + location + "' is not a valid folder: " + e.getMessage(), e);
    }
  }

  private static boolean readOnly(String value) {
    if (value == null || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw new BadInputException(
        "config key '" + READ_ONLY + "' must be true or false, not '" + value + "'");
  }
}
