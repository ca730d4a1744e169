package io.bergenholm.engine.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One requester's view of an image: either a complete cached file, or a download in flight whose
 * file grows while it is read. A transport sends the bytes of {@link #channel()} up to what {@link
 * #state()} says may be sent, listens with {@link #onProgress} for more, and aborts its response
 * when the state is {@link State.Failed}: a failed image must never look complete to a client.
 *
 * <p>While an image is still arriving its last byte is held back until the whole image is in (and,
 * for a host that named a digest, its checksum verified), so that a client cannot have received a
 * complete-looking body of an image that then proves bad. Close the handle when the response is
 * done.
 */
public final class ImageHandle implements Closeable {
  /** What may be sent now. */
  public sealed interface State {
    /** The image is arriving; bytes {@code [0, sendable)} of the file are final. */
    record Receiving(long sendable) implements State {}

    /**
     * The whole image, {@code length} bytes, is in the file, of its announced length and, when this
     * requester's host named a digest, of that digest.
     */
    record Complete(long length) implements State {}

    /** The image cannot be served; abort the response (close the connection). */
    record Failed(IOException cause) implements State {}
  }

  private final String url;
  private final FileChannel channel;
  private final Download download;
  private final long cachedLength;
  private final Optional<String> expectedSha256;
  private final ImageMetrics metrics;
  private final Runnable[] listener = new Runnable[1];

  private ImageHandle(
      String url,
      FileChannel channel,
      Download download,
      long cachedLength,
      Optional<String> expectedSha256,
      ImageMetrics metrics) {
    this.url = url;
    this.channel = channel;
    this.download = download;
    this.cachedLength = cachedLength;
    this.expectedSha256 = expectedSha256;
    this.metrics = metrics;
  }

  static ImageHandle cached(CacheIndex.Opened opened, ImageMetrics metrics) {
    return new ImageHandle(
        opened.entry().url(),
        opened.channel(),
        null,
        opened.entry().length(),
        Optional.empty(),
        metrics);
  }

  static ImageHandle following(
      Download download,
      FileChannel channel,
      Optional<String> expectedSha256,
      ImageMetrics metrics) {
    return new ImageHandle(download.url(), channel, download, -1, expectedSha256, metrics);
  }

  /** The image's URL, without credentials. */
  public String url() {
    return url;
  }

  /** True when the image came whole from the cache (so Range requests can be answered). */
  public boolean fromCache() {
    return download == null;
  }

  /** The image's total length, when the cache or upstream's Content-Length gives it. */
  public OptionalLong length() {
    if (download == null) {
      return OptionalLong.of(cachedLength);
    }
    Download.Snapshot s = download.snapshot();
    return s.phase() == Download.Phase.COMPLETE ? OptionalLong.of(s.written()) : s.declaredLength();
  }

  public State state() {
    if (download == null) {
      return new State.Complete(cachedLength);
    }
    return stateOf(download.snapshot());
  }

  private State stateOf(Download.Snapshot s) {
    switch (s.phase()) {
      case COMPLETE:
        if (expectedSha256.isPresent() && s.sha256().isEmpty()) {
          if (s.failure().isPresent()) {
            return new State.Failed(
                new IOException(
                    url + " cannot be verified: " + s.failure().get().getMessage(),
                    s.failure().get()));
          }
          // Whole, but its digest is still being computed: the last byte waits for it.
          return new State.Receiving(Math.max(0, s.written() - 1));
        }
        if (expectedSha256.isPresent() && !expectedSha256.equals(s.sha256())) {
          return new State.Failed(
              new IOException(
                  url
                      + " has sha256 "
                      + s.sha256().orElse("?")
                      + ", not the expected "
                      + expectedSha256.get()));
        }
        return new State.Complete(s.written());
      case FAILED:
        Exception cause = s.failure().orElseThrow();
        return new State.Failed(
            cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause));
      case RECEIVING:
        long sendable = s.written();
        if (s.declaredLength().isPresent()) {
          sendable = Math.min(sendable, Math.max(0, s.declaredLength().getAsLong() - 1));
        }
        return new State.Receiving(sendable);
      default:
        throw new IllegalStateException("a followed download is past its start: " + s.phase());
    }
  }

  /**
   * The image's file, for positional reads or zero-copy transfer only (never move its position);
   * its bytes up to what {@link #state()} allows are final.
   */
  public FileChannel channel() {
    return channel;
  }

  /**
   * Calls {@code listener} whenever the state may have changed, from the download's thread; the
   * listener must return quickly (hand the work to another thread). A cached image never changes,
   * so the listener is not called. One listener per handle; it is dropped on {@link #close()}.
   */
  public void onProgress(Runnable listener) {
    if (download != null) {
      synchronized (this.listener) {
        if (this.listener[0] != null) {
          download.removeListener(this.listener[0]);
        }
        this.listener[0] = listener;
      }
      download.addListener(listener);
    }
  }

  /** Counts bytes a transport wrote to its client. */
  public void served(long bytes) {
    metrics.bytesServed.add(bytes);
  }

  /**
   * The image as a blocking stream that follows the download; a fault is an {@link IOException}
   * from {@code read}, never an early end of stream. Bytes read count as served.
   */
  public InputStream openStream() {
    return new FollowingStream();
  }

  @Override
  public void close() throws IOException {
    synchronized (listener) {
      if (listener[0] != null && download != null) {
        download.removeListener(listener[0]);
        listener[0] = null;
      }
    }
    channel.close();
  }

  private final class FollowingStream extends InputStream {
    private long position;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      long limit;
      while (true) {
        State state = download == null ? new State.Complete(cachedLength) : awaitState();
        if (state instanceof State.Failed failed) {
          throw new IOException(failed.cause().getMessage(), failed.cause());
        }
        if (state instanceof State.Complete complete) {
          limit = complete.length();
          if (position >= limit) {
            return -1;
          }
          break;
        }
        limit = ((State.Receiving) state).sendable();
        if (position < limit) {
          break;
        }
      }
      int n =
          channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, limit - position)), position);
      if (n < 0) {
        throw new IOException(url + ": file ended at " + position + " before " + limit);
      }
      position += n;
      metrics.bytesServed.add(n);
      return n;
    }

    private State awaitState() throws IOException {
      try {
        // Wait for bytes beyond what may be sent (the last byte is held back until verified).
        Download.Snapshot s = download.awaitBeyond(position);
        State state = stateOf(s);
        if (state instanceof State.Receiving r && r.sendable() <= position) {
          s =
              s.phase() == Download.Phase.COMPLETE
                  ? download.awaitDigest()
                  : download.awaitBeyond(position + 1);
          return stateOf(s);
        }
        return state;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted reading " + url);
      }
    }
  }
}
