package io.bergenholm.api.image;

import io.bergenholm.api.Provider;
import java.util.Set;

/**
 * Creates {@link ImageSource}s for the URL schemes it names, such as {@code http} and {@code
 * https}. Two providers claiming one scheme are an error when the engine starts, unless
 * configuration names the one to use ({@code plugins.prefer.scheme.<scheme>=<class>}).
 *
 * <p>Error contract of {@link #create}: a setting the source cannot use is a {@link
 * io.bergenholm.api.BadInputException} naming the key. Nothing is fetched here, so "not found",
 * "conflict" and "unavailable" do not arise; see {@link ImageSource} for fetches.
 */
public interface ImageSourceProvider extends Provider<ImageSource> {
  /**
   * The URL schemes this provider's sources fetch.
   *
   * @return the schemes, in lower case, such as {@code http}
   */
  Set<String> schemes();
}
