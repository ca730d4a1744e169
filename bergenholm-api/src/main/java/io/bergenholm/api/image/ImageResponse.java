package io.bergenholm.api.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An image as it arrives from its source. When {@link #notModified()} is true the cached copy named
 * in the request is still good and {@link #body()} is empty. Closing the response releases the
 * connection; reading {@link #body()} after an upstream fault throws {@link IOException}, never
 * returns a short stream that looks complete.
 *
 * @param notModified true if the cached copy named in the request is still good
 * @param contentLength the body's length, if the source knows it
 * @param etag the source's entity tag, if any
 * @param lastModified the source's {@code Last-Modified} value, if any
 * @param body the image's bytes as they arrive; empty when {@code notModified}
 */
public record ImageResponse(
    boolean notModified,
    OptionalLong contentLength,
    Optional<String> etag,
    Optional<String> lastModified,
    InputStream body)
    implements Closeable {
  /**
   * Checks that no component but {@code notModified} is null.
   *
   * @param notModified true if the cached copy named in the request is still good
   * @param contentLength the body's length, if known
   * @param etag the source's entity tag, if any
   * @param lastModified the source's {@code Last-Modified} value, if any
   * @param body the image's bytes
   */
  public ImageResponse {
    Objects.requireNonNull(contentLength, "contentLength");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(body, "body");
  }

  @Override
  public void close() throws IOException {
    body.close();
  }
}
