package io.bergenholm.api.image;

import io.bergenholm.api.Provider;
import java.util.Set;

/** Creates {@link ImageSource}s for the URL schemes it names, such as {@code http} and {@code https}. */
public interface ImageSourceProvider extends Provider<ImageSource> {
  /**
   * The URL schemes this provider's sources fetch.
   *
   * @return the schemes, in lower case, such as {@code http}
   */
  Set<String> schemes();
}
