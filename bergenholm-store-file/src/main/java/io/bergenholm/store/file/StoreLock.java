package io.bergenholm.store.file;

import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one writer lock of a store folder, held around every read-compare-write, so that conditional
 * writes are safe between threads and between processes sharing the folder.
 *
 * <p>Two locks make it: a {@link ReentrantLock} shared by every store instance of this JVM on the
 * same folder, and an OS file lock on {@code .bergenholm.lock} in the folder for other processes.
 * The first is needed because the JVM refuses a second overlapping file lock of its own, and
 * because POSIX drops a process's file lock when any of its handles on the file closes; so only one
 * thread of the process ever has the lock file open.
 */
final class StoreLock {
  static final String FILE_NAME = ".bergenholm.lock";

  private static final ConcurrentMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  private final Path lockFile;
  private final ReentrantLock inProcess;
  private final Duration timeout;

  /**
   * @param root the real path of the store folder
   */
  StoreLock(Path root, Duration timeout) {
    this.lockFile = root.resolve(FILE_NAME);
    this.inProcess = IN_PROCESS.computeIfAbsent(root, r -> new ReentrantLock());
    this.timeout = timeout;
  }

  /** Runs {@code action} while holding the lock. */
  <R> R hold(Supplier<R> action) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!inProcess.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw timedOut();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for the store lock " + lockFile, e);
    }
    try (FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock;
      // tryLock in a bounded loop rather than lock(): a process that hangs with the lock must
      // give an error a person can act on, not a request that never returns.
      while ((lock = channel.tryLock()) == null) {
        if (System.nanoTime() > deadline) {
          throw timedOut();
        }
        Thread.sleep(1);
      }
      try {
        return action.get();
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new UnavailableException(
          "cannot lock " + lockFile + ": " + e.getMessage() + "; nothing was written", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for the store lock " + lockFile, e);
    } finally {
      inProcess.unlock();
    }
  }

  private UnavailableException timedOut() {
    return new UnavailableException(
        "the store lock "
            + lockFile
            + " was held by another writer for more than "
            + timeout.toSeconds()
            + " s; nothing was written");
  }
}
