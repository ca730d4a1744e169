package io.bergenholm.netboot.http;

import java.util.Optional;

/**
 * One byte range of a {@code Range} header, resolved against the image's length.
 *
 * @param first first byte, inclusive
 * @param last last byte, inclusive
 */
record ByteRange(long first, long last) {
  /** What a Range header asks of an image of {@code length} bytes. */
  sealed interface Request {
    /** Serve the whole image (no header, several ranges, or a unit other than bytes). */
    record Whole() implements Request {}

    record Partial(ByteRange range) implements Request {}

    /** 416: no byte of the range exists. */
    record Unsatisfiable() implements Request {}
  }

  long length() {
    return last - first + 1;
  }

  static Request parse(Optional<String> header, long length) {
    if (header.isEmpty()) {
      return new Request.Whole();
    }
    String h = header.get().trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return new Request.Whole();
    }
    String spec = h.substring(6).trim();
    if (spec.contains(",")) {
      // Several ranges would need multipart/byteranges; a server may answer the whole instead.
      return new Request.Whole();
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return new Request.Whole();
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return new Request.Whole();
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || length == 0) {
          return new Request.Unsatisfiable();
        }
        return new Request.Partial(new ByteRange(Math.max(0, length - suffix), length - 1));
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
      if (first < 0 || (!b.isEmpty() && Long.parseLong(b) < first)) {
        return new Request.Whole();
      }
      if (first >= length) {
        return new Request.Unsatisfiable();
      }
      return new Request.Partial(new ByteRange(first, last));
    } catch (NumberFormatException e) {
      // A malformed Range is ignored, as RFC 9110 allows.
      return new Request.Whole();
    }
  }
}
