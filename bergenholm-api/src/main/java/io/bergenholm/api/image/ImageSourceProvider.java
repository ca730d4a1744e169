package io.bergenholm.api.image;

import io.bergenholm.api.Provider;
import java.util.Set;

/** Creates {@link ImageSource}s for the URL schemes it names, such as {@code http} and {@code https}. */
public interface ImageSourceProvider extends Provider<ImageSource> {
  /** URL schemes, in lower case, that the sources created here fetch. */
  Set<String> schemes();
}
