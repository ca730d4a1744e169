package io.bergenholm.engine.image;

import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the image sources on a class path, by URL scheme, for embedding an {@link ImageService}
 * without an engine (an engine offers {@link io.bergenholm.engine.Bergenholm#imageSource}).
 */
public final class ImageSources {
  private static final Logger log = LoggerFactory.getLogger(ImageSources.class);

  private ImageSources() {}

  /**
   * Creates a source from every {@link ImageSourceProvider} that {@code loader} finds, keyed by
   * each scheme it names. When two providers claim a scheme, the first found keeps it (the
   * built-in providers come first on a normal class path) and the other is logged.
   */
  public static Function<String, Optional<ImageSource>> discover(
      ClassLoader loader, Map<String, String> config) {
    Map<String, ImageSource> byScheme = new LinkedHashMap<>();
    Map<String, String> claimedBy = new LinkedHashMap<>();
    for (ImageSourceProvider provider : ServiceLoader.load(ImageSourceProvider.class, loader)) {
      ImageSource source = provider.create(config);
      for (String scheme : provider.schemes()) {
        String s = scheme.toLowerCase(Locale.ROOT);
        if (byScheme.putIfAbsent(s, source) == null) {
          claimedBy.put(s, provider.name());
        } else {
          log.warn("image source '{}' also claims scheme {}; '{}' keeps it",
              provider.name(), s, claimedBy.get(s));
        }
      }
    }
    Map<String, ImageSource> found = Map.copyOf(byScheme);
    return scheme -> Optional.ofNullable(found.get(scheme));
  }
}
