package io.bergenholm.engine.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

/**
 * The writing and hashing half of a download, on two threads of its own, so that the thread that
 * receives from upstream only receives: a filled buffer goes to the writer, which appends it to the
 * file and reports the new length, then to the hasher, which adds it to the SHA-256 and gives the
 * buffer back. A fixed set of {@value #BUFFERS} buffers of {@value #BUFFER_SIZE} bytes circulates,
 * so a slow disk holds back the receiver (and upstream, by TCP) instead of filling memory. The
 * buffers are direct (a socket reads into one, and the file is written from it, with no copy by the
 * JDK in between) and come from a pool shared by all downloads, so that direct memory is not left
 * to the garbage collector to return.
 *
 * <p>The digest of {@link #finish()} covers exactly the bytes written, in order. Any fault (of the
 * file, or an interrupt) is thrown to the receiver at its next call; {@link #close()} stops both
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
  private final Thread hasher;
  private final Object lock = new Object();
  // Guarded by lock.
  private IOException failure;
  private String hex;

  /**
   * @param onWritten told the file's length after each write, from the writer thread
   */
  WritePipeline(FileChannel out, String shown, String threadName, LongConsumer onWritten) {
    this.out = out;
    this.shown = shown;
    this.onWritten = onWritten;
    for (int i = 0; i < BUFFERS; i++) {
      ByteBuffer b = POOL.poll();
      free.add(b != null ? b : ByteBuffer.allocateDirect(BUFFER_SIZE));
    }
    writer = new Thread(this::writeLoop, threadName + "-write");
    hasher = new Thread(this::hashLoop, threadName + "-hash");
    writer.setDaemon(true);
    hasher.setDaemon(true);
    writer.start();
    hasher.start();
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

  /** Waits until every submitted byte is written and hashed; the SHA-256 in hex. */
  String finish() throws IOException {
    put(toWrite, END);
    synchronized (lock) {
      while (hex == null && failure == null) {
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
      return hex;
    }
  }

  /**
   * Stops both threads (dropping what is not written yet), waits until they have ended, and gives
   * the buffers back to the pool (a buffer the receiver still holds is left to the collector).
   */
  @Override
  public void close() {
    writer.interrupt();
    hasher.interrupt();
    boolean interrupted = false;
    for (Thread t : new Thread[] {writer, hasher}) {
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
        if (b != END && POOL.size() < POOLED) {
          POOL.add(b.clear());
        }
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
        toHash.put(b);
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
          String result = HexFormat.of().formatHex(digest.digest());
          synchronized (lock) {
            hex = result;
            lock.notifyAll();
          }
          return;
        }
        digest.update(b);
        free.put(b);
      }
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("hashing " + shown + " interrupted"));
    }
  }

  private void fail(IOException cause) {
    synchronized (lock) {
      if (failure == null && hex == null) {
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
