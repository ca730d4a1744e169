package io.bergenholm.engine.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

/**
 * The writing and (optionally) hashing half of a download, on threads of its own, so that the
 * thread that receives from upstream only receives: a filled buffer goes to the writer, which
 * appends it to the file and reports the new length, then to the hasher, which adds it to the
 * SHA-256 and gives the buffer back. Without hashing (no host named a digest; see {@link
 * CacheDigests}) the writer gives it back itself. A fixed set of {@value #BUFFERS} buffers of
 * {@value #BUFFER_SIZE} bytes circulates, so a slow disk holds back the receiver (and upstream, by
 * TCP) instead of filling memory. The buffers are direct (a socket reads into one, and the file is
 * written from it, with no copy by the JDK in between) and come from a pool shared by all
 * downloads, so that direct memory is not left to the garbage collector to return.
 *
 * <p>The digest of {@link #finish()} covers exactly the bytes written, in order. Any fault (of the
 * file, or an interrupt) is thrown to the receiver at its next call; {@link #close()} stops the
 * threads and waits for them, whatever state the pipeline is in.
 */
final class WritePipeline implements AutoCloseable {
  static final int BUFFER_SIZE = 1024 * 1024;

  static final int BUFFERS = 4;

  /** At most this many idle buffers are kept for the next downloads (16 MiB). */
  private static final int POOLED = 16;

  private static final Queue<ByteBuffer> POOL = new ConcurrentLinkedQueue<>();
  private static final ByteBuffer END = ByteBuffer.allocate(0);

  private final FileChannel out;
  private final String shown;
  private final LongConsumer onWritten;
  private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<ByteBuffer> toWrite = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final BlockingQueue<ByteBuffer> toHash = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final MessageDigest digest = Download.sha256();
  private final Thread writer;
  private final Thread hasher; // null when not hashing
  private final Object lock = new Object();
  // Guarded by lock.
  private IOException failure;
  private Optional<String> result;

  /**
   * @param onWritten told the file's length after each write, from the writer thread
   * @param hash whether to compute the SHA-256 of what is written
   */
  WritePipeline(
      FileChannel out, String shown, String threadName, LongConsumer onWritten, boolean hash) {
    this.out = out;
    this.shown = shown;
    this.onWritten = onWritten;
    for (int i = 0; i < BUFFERS; i++) {
      free.add(pooledBuffer());
    }
    writer = new Thread(this::writeLoop, threadName + "-write");
    writer.setDaemon(true);
    hasher = hash ? new Thread(this::hashLoop, threadName + "-hash") : null;
    writer.start();
    if (hasher != null) {
      hasher.setDaemon(true);
      hasher.start();
    }
  }

  /** A direct buffer of {@value #BUFFER_SIZE} bytes from the shared pool (or a new one). */
  static ByteBuffer pooledBuffer() {
    ByteBuffer b = POOL.poll();
    return b != null ? b.clear() : ByteBuffer.allocateDirect(BUFFER_SIZE);
  }

  /** Gives a buffer from {@link #pooledBuffer()} back, for the next download to use. */
  static void recycle(ByteBuffer b) {
    if (b != END && POOL.size() < POOLED) {
      POOL.add(b.clear());
    }
  }

  /** A free buffer to fill (position 0, limit its capacity); blocks while all are in use. */
  ByteBuffer take() throws IOException {
    while (true) {
      check();
      ByteBuffer b = poll(free);
      if (b != null) {
        return b.clear();
      }
    }
  }

  /** Hands a buffer from {@link #take()}, filled up to its position, to be written and hashed. */
  void submit(ByteBuffer filled) throws IOException {
    check();
    filled.flip();
    put(toWrite, filled);
  }

  /**
   * Waits until every submitted byte is written (and hashed); the SHA-256 in hex, empty when not
   * hashing.
   */
  Optional<String> finish() throws IOException {
    put(toWrite, END);
    synchronized (lock) {
      while (result == null && failure == null) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("writing " + shown + " interrupted");
        }
      }
      if (failure != null) {
        throw failure;
      }
      return result;
    }
  }

  /**
   * Stops the threads (dropping what is not written yet), waits until they have ended, and gives
   * the buffers back to the pool (a buffer the receiver still holds is left to the collector).
   */
  @Override
  public void close() {
    List<Thread> threads = hasher == null ? List.of(writer) : List.of(writer, hasher);
    threads.forEach(Thread::interrupt);
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    for (BlockingQueue<ByteBuffer> q : List.of(free, toWrite, toHash)) {
      for (ByteBuffer b; (b = q.poll()) != null; ) {
        recycle(b);
      }
    }
  }

  private void writeLoop() {
    long total = 0;
    try {
      while (true) {
        ByteBuffer b = toWrite.take();
        if (b != END) {
          int n = b.remaining();
          while (b.hasRemaining()) {
            out.write(b);
          }
          total += n;
          b.flip();
          onWritten.accept(total);
        }
        if (hasher != null) {
          toHash.put(b);
        } else if (b != END) {
          free.put(b);
        } else {
          complete(Optional.empty());
        }
        if (b == END) {
          return;
        }
      }
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("writing " + shown + " interrupted"));
    } catch (IOException e) {
      fail(new IOException("writing " + shown + " to the image cache failed: " + e, e));
    } catch (RuntimeException e) {
      fail(new IOException("writing " + shown + " failed: " + e, e));
    }
  }

  private void hashLoop() {
    try {
      while (true) {
        ByteBuffer b = toHash.take();
        if (b == END) {
          complete(Optional.of(HexFormat.of().formatHex(digest.digest())));
          return;
        }
        digest.update(b);
        free.put(b);
      }
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("hashing " + shown + " interrupted"));
    }
  }

  private void complete(Optional<String> hex) {
    synchronized (lock) {
      result = hex;
      lock.notifyAll();
    }
  }

  private void fail(IOException cause) {
    synchronized (lock) {
      if (failure == null && result == null) {
        failure = cause;
      }
      lock.notifyAll();
    }
  }

  private void check() throws IOException {
    synchronized (lock) {
      if (failure != null) {
        throw failure;
      }
    }
  }

  /** Waits a little for a buffer, so that a fault of the threads is seen while waiting. */
  private ByteBuffer poll(BlockingQueue<ByteBuffer> queue) throws IOException {
    try {
      return queue.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("receiving " + shown + " interrupted");
    }
  }

  private void put(BlockingQueue<ByteBuffer> queue, ByteBuffer b) throws IOException {
    try {
      // Never blocks: at most BUFFERS buffers and one END circulate, and the queue holds more.
      queue.put(b);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("receiving " + shown + " interrupted");
    }
  }
}
