package io.bergenholm.engine.image;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import io.bergenholm.api.image.ImageSource;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads {@code file:} URLs. The entity tag is made of the file's size and modification time, so a
 * cached copy is revalidated without reading the file again.
 */
final class FileImageSource implements ImageSource {
  @Override
  public ImageResponse fetch(ImageRequest request) {
    Path path;
    try {
      path = Path.of(request.uri());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          "image URL "
              + Urls.redact(request.uri())
              + " is not a usable file: URL: "
              + e.getMessage(),
          e);
    }
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        throw new NotFoundException("image", request.uri().toString());
      }
      long size = attributes.size();
      String etag =
          "\""
              + Long.toHexString(size)
              + "-"
              + Long.toHexString(attributes.lastModifiedTime().toMillis())
              + "\"";
      String lastModified =
          DateTimeFormatter.RFC_1123_DATE_TIME.format(
              attributes.lastModifiedTime().toInstant().atOffset(ZoneOffset.UTC));
      if (request.ifNoneMatch().filter(etag::equals).isPresent()) {
        return new ImageResponse(
            true,
            OptionalLong.of(size),
            Optional.of(etag),
            Optional.of(lastModified),
            InputStream.nullInputStream());
      }
      return new ImageResponse(
          false,
          OptionalLong.of(size),
          Optional.of(etag),
          Optional.of(lastModified),
          new ExactLength(Files.newInputStream(path), size, path));
    } catch (NoSuchFileException e) {
      throw new NotFoundException("image", request.uri().toString());
    } catch (IOException e) {
      throw new UpstreamException("reading " + path + " failed: " + e, e);
    }
  }

  /** Fails when the file turns out shorter (or longer) than it was when opened. */
  private static final class ExactLength extends FilterInputStream {
    private final long expected;
    private final Path path;
    private long read;

    ExactLength(InputStream in, long expected, Path path) {
      super(in);
      this.expected = expected;
      this.path = path;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0) {
        if (read != expected) {
          throw new IOException(path + " ended after " + read + " of " + expected + " bytes");
        }
        return n;
      }
      read += n;
      if (read > expected) {
        throw new IOException(path + " grew while it was read (more than " + expected + " bytes)");
      }
      return n;
    }
  }
}
