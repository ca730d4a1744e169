package io.bergenholm.netboot.http;

/**
 * Bounds on what one request may hold, so that no client can exhaust memory or stack.
 *
 * @param maxBodyBytes request body (413 beyond)
 * @param maxHeaderBytes all header lines together (431 beyond)
 * @param maxInitialLineBytes the request line, path and query included (414 beyond)
 * @param maxJsonDepth nesting of a JSON body (400 beyond)
 * @param maxParameters query parameters of one request, and top-level keys of a JSON body (400
 *     beyond)
 */
public record Limits(
    int maxBodyBytes,
    int maxHeaderBytes,
    int maxInitialLineBytes,
    int maxJsonDepth,
    int maxParameters) {
  public Limits {
    positive("maxBodyBytes", maxBodyBytes);
    positive("maxHeaderBytes", maxHeaderBytes);
    positive("maxInitialLineBytes", maxInitialLineBytes);
    positive("maxJsonDepth", maxJsonDepth);
    positive("maxParameters", maxParameters);
  }

  /** 1 MiB bodies, 16 KiB of headers, 8 KiB request lines, JSON 32 deep, 1000 parameters. */
  public static Limits defaults() {
    return new Limits(1 << 20, 16 << 10, 8 << 10, 32, 1000);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
