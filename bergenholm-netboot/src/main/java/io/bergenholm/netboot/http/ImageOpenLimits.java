package io.bergenholm.netboot.http;

/**
 * How many image opens may wait for their upstream at once ({@code threads}) and how many more may
 * queue for a thread ({@code queue}); beyond, a request gets 503 with {@code Retry-After}, so an
 * upstream that never answers cannot make the server start a thread per request.
 *
 * @param threads opening threads (idle ones end after a minute)
 * @param queue opens waiting for a thread
 */
public record ImageOpenLimits(int threads, int queue) {
  /** Default threads: 64. */
  public static final int DEFAULT_THREADS = 64;

  /**
   * Default queue: 1024 (a waiting open is a small queue entry; a rack booting at once must fit).
   */
  public static final int DEFAULT_QUEUE = 1024;

  /**
   * Checks that both are positive.
   *
   * @param threads opening threads
   * @param queue opens waiting for a thread
   */
  public ImageOpenLimits {
    if (threads < 1 || queue < 1) {
      throw new IllegalArgumentException(
          "image opening threads and queue must be positive: " + threads + ", " + queue);
    }
  }

  /**
   * The defaults.
   *
   * @return {@value #DEFAULT_THREADS} threads, {@value #DEFAULT_QUEUE} waiting
   */
  public static ImageOpenLimits defaults() {
    return new ImageOpenLimits(DEFAULT_THREADS, DEFAULT_QUEUE);
  }
}
