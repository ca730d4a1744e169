package io.bergenholm.engine.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Digests of cached images stored without one. A download that no host named a digest for does not
 * hash while it receives, so that the SHA-256 is not on the booting machine's critical path; the
 * digest is computed from the stored file afterwards, by the download itself as soon as it has
 * released the image, or by the first host that names a digest for it, whichever comes first.
 *
 * <p>Single flight, like downloads: however many ask for one stored copy at once, it is read and
 * hashed once, and the others wait for that result. The result is recorded in the cache only for
 * the copy it was computed from (see {@link CacheIndex#recordDigest}).
 */
final class CacheDigests {
  private final CacheIndex cache;
  private final ImageMetrics metrics;
  private final Map<Long, CompletableFuture<String>> running = new HashMap<>(); // guarded by this

  CacheDigests(CacheIndex cache, ImageMetrics metrics) {
    this.cache = cache;
    this.metrics = metrics;
  }

  /**
   * The SHA-256 (lower-case hex) of stored copy {@code generation} of {@code key}, whose data
   * {@code data} reads (by position only; its position is left alone). Computes it from {@code
   * data} unless another caller is already computing it, then waits for that one; records it.
   *
   * @throws IOException if reading fails, or the wait or the reading is interrupted
   */
  String digest(String key, long generation, long length, FileChannel data, String shown)
      throws IOException {
    while (true) {
      CompletableFuture<String> mine = new CompletableFuture<>();
      CompletableFuture<String> theirs;
      synchronized (this) {
        theirs = running.putIfAbsent(generation, mine);
      }
      if (theirs == null) {
        return compute(key, generation, length, data, shown, mine);
      }
      try {
        return theirs.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the digest of " + shown);
      } catch (ExecutionException e) {
        // Their reading failed (or they were stopped): read it ourselves.
      }
    }
  }

  private String compute(
      String key,
      long generation,
      long length,
      FileChannel data,
      String shown,
      CompletableFuture<String> result)
      throws IOException {
    try {
      String hex = hash(data, length, shown);
      metrics.digestsAfterward.increment();
      cache.recordDigest(key, generation, hex);
      finish(generation);
      result.complete(hex);
      return hex;
    } catch (IOException | RuntimeException e) {
      finish(generation);
      result.completeExceptionally(e);
      throw e;
    }
  }

  private synchronized void finish(long generation) {
    running.remove(generation);
  }

  /** The SHA-256 of the first {@code length} bytes of {@code data}, read by position. */
  static String hash(FileChannel data, long length, String shown) throws IOException {
    MessageDigest digest = Download.sha256();
    ByteBuffer buffer = WritePipeline.pooledBuffer();
    try {
      long position = 0;
      while (position < length) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("computing the digest of " + shown + " interrupted");
        }
        buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
        int n = data.read(buffer, position);
        if (n < 0) {
          throw new IOException(shown + ": cached file ended at " + position + " of " + length);
        }
        position += n;
        digest.update(buffer.flip());
      }
      return HexFormat.of().formatHex(digest.digest());
    } finally {
      WritePipeline.recycle(buffer);
    }
  }
}
