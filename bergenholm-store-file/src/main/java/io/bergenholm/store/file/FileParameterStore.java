package io.bergenholm.store.file;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory store: a folder with {@code hosts/}, {@code groups/} and {@code templates/}, one
 * record per file, readable and editable by hand while Bergenholm runs.
 *
 * <p>Reads always go to the file, so a hand edit is seen by the next read. Writes are atomic and
 * durable (see {@link FileRecordStore}) and are serialized by a lock that other processes on the
 * same folder honour too, so conditional writes are safe between servers sharing the folder. The
 * {@linkplain #changeStamp() change stamp} follows the folders through the operating system's file
 * watch; it lags a change made elsewhere by at most {@link #CHANGE_DETECTION_LAG}.
 *
 * <p>A store is read-only when asked to be, or when the folder cannot be written: when the process
 * may not write it, or when its permission bits grant nobody write access (so a folder marked
 * read-only stays untouched even for root). Writes to a read-only store are refused with an {@link
 * UnavailableException}; opening and reading never write anything.
 */
public final class FileParameterStore implements ParameterStore {
  /**
   * The bound declared for {@link #changeDetectionLag()}. The file watch reports a change within
   * milliseconds; the bound leaves room for a busy machine.
   */
  public static final Duration CHANGE_DETECTION_LAG = Duration.ofSeconds(1);

  /** How long a writer waits for another writer's lock before giving up with an error. */
  static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(FileParameterStore.class);

  private final Path root;
  private final boolean readOnly;
  private final String readOnlyReason;
  private final StoreLock lock;
  private final ChangeWatcher watcher;
  private final FileRecordStore<Params> hosts;
  private final FileRecordStore<Params> groups;
  private final FileRecordStore<String> templates;
  private final FileEventSink events;

  private FileParameterStore(Path root, boolean readOnly, String readOnlyReason) {
    this.root = root;
    this.readOnly = readOnly;
    this.readOnlyReason = readOnlyReason;
    this.lock = new StoreLock(root, LOCK_TIMEOUT);
    JsonCodec json = new JsonCodec();
    this.hosts = new FileRecordStore<>(RecordKind.HOST, this, json);
    this.groups = new FileRecordStore<>(RecordKind.GROUP, this, json);
    this.templates = new FileRecordStore<>(RecordKind.TEMPLATE, this, new TextCodec());
    this.events = new FileEventSink(root, 8L * 1024 * 1024);
    this.watcher =
        new ChangeWatcher(
            root,
            Stream.of(RecordKind.values()).map(RecordKind::plural).collect(Collectors.toSet()));
  }

  /**
   * Opens the store in {@code folder}, creating the folder if it does not exist; the record folders
   * are created with the first record written to them.
   *
   * @throws BadInputException if {@code folder} is not a folder, or a record folder is not a folder
   *     inside it
   * @throws UnavailableException if the folder cannot be created or read
   */
  public static FileParameterStore open(Path folder) {
    return open(folder, false);
  }

  /** Opens the store in {@code folder} for reading only; the folder must exist. */
  public static FileParameterStore openReadOnly(Path folder) {
    return open(folder, true);
  }

  static FileParameterStore open(Path folder, boolean readOnly) {
    Path absolute = folder.toAbsolutePath().normalize();
    if (!Files.exists(absolute)) {
      if (readOnly) {
        throw new UnavailableException("the store folder " + absolute + " does not exist");
      }
      try {
        Files.createDirectories(absolute);
      } catch (FileAlreadyExistsException e) {
        throw new BadInputException(
            "the store location " + absolute + " is a file, not a folder", e);
      } catch (IOException e) {
        throw new UnavailableException(
            "cannot create the store folder " + absolute + " (" + e + ")", e);
      }
    }
    if (!Files.isDirectory(absolute)) {
      throw new BadInputException("the store location " + absolute + " is a file, not a folder");
    }
    Path real;
    try {
      real = absolute.toRealPath();
    } catch (IOException e) {
      throw new UnavailableException(
          "cannot open the store folder " + absolute + " (" + e + ")", e);
    }
    for (RecordKind kind : RecordKind.values()) {
      checkRecordFolder(real, kind);
    }
    String reason = readOnly ? "it was opened read-only" : whyNotWritable(real);
    if (!"UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding", "UTF-8"))) {
      log.warn(
          "file names are encoded as {}, not UTF-8: records with non-ASCII names cannot be stored in {};"
              + " run with a UTF-8 locale (LANG=C.UTF-8)",
          System.getProperty("sun.jnu.encoding"),
          real);
    }
    FileParameterStore store = new FileParameterStore(real, reason != null, reason);
    try {
      store.removeLeftovers();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    log.info("opened file store {}{}", real, reason == null ? "" : " read-only: " + reason);
    return store;
  }

  private static void checkRecordFolder(Path root, RecordKind kind) {
    Path dir = root.resolve(kind.plural());
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(
          "the store's " + kind.plural() + " folder " + dir + " is a file, not a folder");
    }
    try {
      Path real = dir.toRealPath();
      if (!real.startsWith(root)) {
        throw new BadInputException(
            "the store's "
                + kind.plural()
                + " folder "
                + dir
                + " is a symbolic link to "
                + real
                + ", outside the store folder; it is not followed");
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot open " + dir + " (" + e + ")", e);
    }
  }

  /** Why {@code root} must not be written, or null if it may be. */
  private static String whyNotWritable(Path root) {
    if (!Files.isWritable(root)) {
      return "this process may not write " + root;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root);
      if (!perms.contains(PosixFilePermission.OWNER_WRITE)
          && !perms.contains(PosixFilePermission.GROUP_WRITE)
          && !perms.contains(PosixFilePermission.OTHERS_WRITE)) {
        return "the permissions of " + root + " grant nobody write access";
      }
    } catch (UnsupportedOperationException e) {
      return null; // not a POSIX file system: Files.isWritable has had the say
    } catch (IOException e) {
      throw new UnavailableException("cannot read the permissions of " + root + " (" + e + ")", e);
    }
    return null;
  }

  private void removeLeftovers() {
    List<FileRecordStore<?>> all = List.of(hosts, groups, templates);
    if (readOnly || all.stream().noneMatch(FileRecordStore::hasLeftovers)) {
      return; // opening writes nothing unless there is something to clean
    }
    List<Path> removed =
        lock.hold(
            () -> {
              List<Path> r = new ArrayList<>();
              for (FileRecordStore<?> s : all) {
                r.addAll(s.removeLeftovers());
              }
              return r;
            });
    log.warn(
        "removed {} temporary file(s) left by an interrupted write in {}: {}",
        removed.size(),
        root,
        removed.stream().map(this::display).toList());
  }

  /** The real path of the store folder. */
  public Path root() {
    return root;
  }

  /** Whether writes are refused; see the class comment. */
  public boolean isReadOnly() {
    return readOnly;
  }

  @Override
  public RecordStore<Params> hosts() {
    return hosts;
  }

  @Override
  public RecordStore<Params> groups() {
    return groups;
  }

  @Override
  public RecordStore<String> templates() {
    return templates;
  }

  /**
   * Like the default, but a host file that cannot be read (malformed JSON, say) is left out with a
   * warning naming it, so that one broken file does not hide every other host from a query.
   */
  @Override
  public List<String> queryHosts(Map<String, String> criteria) {
    List<String> matching = new ArrayList<>();
    for (String id : hosts.list()) {
      Optional<Versioned<Params>> host;
      try {
        host = hosts.get(id);
      } catch (BadInputException e) {
        log.warn("host query skips a host that cannot be read: {}", e.getMessage());
        continue;
      }
      host.map(Versioned::value).filter(p -> p.matches(criteria)).ifPresent(p -> matching.add(id));
    }
    return matching;
  }

  @Override
  public long changeStamp() {
    return watcher.stamp();
  }

  /**
   * Boot events in {@code events/events.jsonl} under the store folder, rotated at 8 MiB; none for a
   * read-only store (the engine then keeps them in memory).
   */
  @Override
  public Optional<BootEventSink> events() {
    return readOnly ? Optional.empty() : Optional.of(events);
  }

  /**
   * {@link #CHANGE_DETECTION_LAG} while the folders are watched; zero if they cannot be, because
   * then the stamp changes on every read.
   */
  @Override
  public Duration changeDetectionLag() {
    return watcher.isWatching() ? CHANGE_DETECTION_LAG : Duration.ZERO;
  }

  @Override
  public void close() {
    events.close();
    watcher.close();
  }

  @Override
  public String toString() {
    return "file:" + root + (readOnly ? " (read-only)" : "");
  }

  // --- for FileRecordStore ---------------------------------------------------------------------

  StoreLock lock() {
    return lock;
  }

  ChangeWatcher watcher() {
    return watcher;
  }

  void checkWritable(RecordKind kind, String name) {
    if (readOnly) {
      throw new UnavailableException(
          "the file store "
              + root
              + " is read-only ("
              + readOnlyReason
              + "); "
              + kind.singular()
              + " '"
              + name
              + "' was not written");
    }
  }

  /** Creates a record folder on the first write to it; call while holding the lock. */
  void ensureFolder(Path folder) {
    if (Files.isDirectory(folder)) {
      return;
    }
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UnavailableException(
          "cannot create " + folder + " (" + e + "); nothing was written", e);
    }
    watcher.folderCreated(folder);
  }

  /** A path as a person finds it: relative to the store folder where it is inside. */
  String display(Path p) {
    return p.startsWith(root) ? root.relativize(p).toString() : p.toString();
  }
}
