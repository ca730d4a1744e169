package io.bergenholm.store.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store's change stamp: the store bumps it after each of its own writes, and a {@link
 * WatchService} thread bumps it whenever anything else changes a file in the store folder or its
 * three record folders (another process, a person with an editor). So a caller learns of a change
 * by reading one number, and no request ever has to look at every file.
 *
 * <p>If the operating system cannot watch the folders (no inotify instances left, for example) or
 * the watch thread fails, the watcher falls back to a stamp that changes on every read, which makes
 * callers' caches miss but never serve stale data.
 */
final class ChangeWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeWatcher.class);

  private final Path root;
  private final Set<String> folders;
  private final AtomicLong stamp = new AtomicLong(ThreadLocalRandom.current().nextLong());
  private final WatchService service;
  private volatile boolean watching;
  private volatile boolean closed;

  /**
   * @param root the real path of the store folder; @param folders the record folders' names
   */
  ChangeWatcher(Path root, Set<String> folders) {
    this.root = root;
    this.folders = folders;
    WatchService s = null;
    try {
      s = FileSystems.getDefault().newWatchService();
      register(s, root);
      for (String f : folders) {
        Path dir = root.resolve(f);
        if (Files.isDirectory(dir)) {
          register(s, dir);
        }
      }
      watching = true;
    } catch (IOException | UnsupportedOperationException e) {
      log.warn(
          "cannot watch {} for changes ({}); every change-stamp read will now count as a change,"
              + " which disables caches built on the store",
          root,
          e.toString());
      closeQuietly(s);
      s = null;
    }
    service = s;
    if (service != null) {
      Thread t = new Thread(this::run, "bergenholm-file-store-watch " + root.getFileName());
      t.setDaemon(true);
      t.start();
    }
  }

  private static void register(WatchService s, Path dir) throws IOException {
    dir.register(
        s,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_DELETE,
        StandardWatchEventKinds.ENTRY_MODIFY);
  }

  /** The current stamp; see {@link io.bergenholm.api.store.ParameterStore#changeStamp()}. */
  long stamp() {
    return watching ? stamp.get() : stamp.incrementAndGet();
  }

  boolean isWatching() {
    return watching;
  }

  /** Records a change the store made itself, so that it shows at once rather than after the lag. */
  void changed() {
    stamp.incrementAndGet();
  }

  /** Starts watching a record folder that the store has just created. */
  void folderCreated(Path dir) {
    if (watching) {
      try {
        register(service, dir);
      } catch (IOException | ClosedWatchServiceException e) {
        fallBack(e);
      }
    }
    stamp.incrementAndGet();
  }

  private void run() {
    try {
      while (!closed) {
        WatchKey key = service.take();
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            relevant = true;
            continue;
          }
          String name = event.context().toString();
          if (key.watchable().equals(root)) {
            // In the store folder only the record folders matter; the lock file changes with every
            // write.
            if (folders.contains(name)) {
              relevant = true;
              Path dir = root.resolve(name);
              if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(dir)) {
                register(service, dir);
              }
            }
          } else if (!name.startsWith(".")) {
            relevant = true; // a record file; dot files are the store's own temporary files
          }
        }
        if (relevant) {
          stamp.incrementAndGet();
        }
        if (!key.reset()) {
          stamp.incrementAndGet(); // the folder went away: everything in it changed
        }
      }
    } catch (ClosedWatchServiceException e) {
      if (!closed) {
        fallBack(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fallBack(e);
    } catch (IOException | RuntimeException e) {
      fallBack(e);
    }
  }

  private void fallBack(Exception cause) {
    if (watching && !closed) {
      log.warn(
          "stopped watching {} for changes ({}); every change-stamp read will now count as a change",
          root,
          cause.toString());
    }
    watching = false;
  }

  @Override
  public void close() {
    closed = true;
    watching = false;
    closeQuietly(service);
  }

  private static void closeQuietly(WatchService s) {
    if (s == null) {
      return;
    }
    try {
      s.close();
    } catch (IOException e) {
      log.debug("closing the watch service failed", e); // nothing is left to release
    }
  }
}
