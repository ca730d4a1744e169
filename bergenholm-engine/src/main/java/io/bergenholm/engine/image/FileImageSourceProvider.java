package io.bergenholm.engine.image;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import java.util.Map;
import java.util.Set;

/** The {@code file} image source: reads {@code file:} URLs from the server's own file system. */
public final class FileImageSourceProvider implements ImageSourceProvider {
  @Override
  public String name() {
    return "file";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public ImageSource create(String name, Map<String, String> config, ProviderContext context) {
    return new FileImageSource();
  }
}
