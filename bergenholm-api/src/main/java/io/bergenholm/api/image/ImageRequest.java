package io.bergenholm.api.image;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A request for a boot image.
 *
 * @param uri the image, as a host's resolved {@code kernel}/{@code module}/{@code moduleN} names it
 * @param proxy the web proxy to go through (the host's {@code proxy_url}), if any
 * @param ifNoneMatch an entity tag from a cached copy, to revalidate it
 * @param ifModifiedSince a {@code Last-Modified} value from a cached copy, to revalidate it
 * @param timeout how long to wait to connect and, after that, for each read
 */
public record ImageRequest(
    URI uri,
    Optional<URI> proxy,
    Optional<String> ifNoneMatch,
    Optional<String> ifModifiedSince,
    Duration timeout) {
  /**
   * Checks that no component is null.
   *
   * @param uri the image
   * @param proxy the web proxy, if any
   * @param ifNoneMatch an entity tag to revalidate, if any
   * @param ifModifiedSince a {@code Last-Modified} value to revalidate, if any
   * @param timeout the connect and read timeout
   */
  public ImageRequest {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(ifNoneMatch, "ifNoneMatch");
    Objects.requireNonNull(ifModifiedSince, "ifModifiedSince");
    Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * A plain request: no proxy, no cached copy to revalidate.
   *
   * @param uri the image
   * @param timeout the connect and read timeout
   * @return the request
   */
  public static ImageRequest of(URI uri, Duration timeout) {
    return new ImageRequest(uri, Optional.empty(), Optional.empty(), Optional.empty(), timeout);
  }
}
