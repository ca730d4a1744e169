package io.bergenholm.engine.image;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import java.util.Map;
import java.util.Set;

/** The {@code http} image source: fetches {@code http:} and {@code https:} URLs. */
public final class HttpImageSourceProvider implements ImageSourceProvider {
  @Override
  public String name() {
    return "http";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("http", "https");
  }

  @Override
  public ImageSource create(String name, Map<String, String> config, ProviderContext context) {
    return new HttpImageSource();
  }
}
