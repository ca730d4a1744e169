package io.bergenholm.engine.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP response body as a blocking stream with a read timeout and a length check.
 *
 * <p>The JDK client has no read timeout once the headers are in, and its own input stream answers
 * end-of-stream when it is closed under a blocked reader; both would let a stalled or cut transfer
 * look complete. This subscriber asks for one batch of buffers at a time (so at most two batches
 * wait in memory), fails a read that waits longer than the timeout, and fails an end of stream that
 * comes before the announced Content-Length.
 */
final class TimedBodyStream extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {
  private static final Object END = new Object();

  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  private final Duration readTimeout;
  private final OptionalLong contentLength;
  private final String url;
  private volatile Flow.Subscription subscription;
  private List<ByteBuffer> batch = List.of();
  private int next;
  private ByteBuffer current = ByteBuffer.allocate(0);
  private long received;
  private boolean ended;
  private IOException failure;

  TimedBodyStream(
      Flow.Publisher<List<ByteBuffer>> body,
      Duration readTimeout,
      OptionalLong contentLength,
      String url) {
    this.readTimeout = readTimeout;
    this.contentLength = contentLength;
    this.url = url;
    body.subscribe(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    arrivals.add(item);
  }

  @Override
  public void onError(Throwable t) {
    arrivals.add(t);
  }

  @Override
  public void onComplete() {
    arrivals.add(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (len == 0) {
      return 0;
    }
    while (!current.hasRemaining()) {
      if (ended) {
        return -1;
      }
      if (next < batch.size()) {
        current = batch.get(next++);
        continue;
      }
      if (!nextBatch()) {
        return -1;
      }
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    received += n;
    if (contentLength.isPresent() && received > contentLength.getAsLong()) {
      throw fail(url + " sent more than its Content-Length of " + contentLength.getAsLong(), null);
    }
    return n;
  }

  /** The bytes that can be read without waiting: the current batch's, then any batch queued. */
  @Override
  public int available() {
    if (failure != null || ended) {
      return 0;
    }
    long n = current.remaining();
    for (int i = next; i < batch.size(); i++) {
      n += batch.get(i).remaining();
    }
    if (n == 0 && !arrivals.isEmpty() && arrivals.peek() instanceof List) {
      n = 1;
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  /** Takes the next batch; false at a complete end of stream. */
  private boolean nextBatch() throws IOException {
    Object item;
    try {
      item = arrivals.poll(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException ie = new InterruptedIOException("interrupted reading " + url);
      failure = ie;
      cancel();
      throw ie;
    }
    if (item == null) {
      throw fail(
          url + " sent nothing for " + readTimeout.toMillis() + " ms after " + received + " bytes",
          null);
    }
    if (item == END) {
      ended = true;
      if (contentLength.isPresent() && received != contentLength.getAsLong()) {
        throw fail(
            url + " ended after " + received + " of " + contentLength.getAsLong() + " bytes", null);
      }
      return false;
    }
    if (item instanceof Throwable t) {
      throw fail(url + " failed after " + received + " bytes: " + t, t);
    }
    @SuppressWarnings("unchecked")
    List<ByteBuffer> buffers = (List<ByteBuffer>) item;
    batch = buffers;
    next = 0;
    subscription.request(1);
    return true;
  }

  private IOException fail(String message, Throwable cause) {
    failure = new IOException(message, cause);
    cancel();
    return failure;
  }

  private void cancel() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  @Override
  public void close() {
    if (!ended) {
      ended = true;
      cancel();
    }
  }
}
