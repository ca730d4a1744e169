package io.bergenholm.store.file;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.RecordStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One record folder ({@code hosts/}, {@code groups/} or {@code templates/}): one file per record.
 *
 * <p>File names: a record is the file of its own name. In {@code hosts/} and {@code groups/} a file
 * {@code NAME.json} is record {@code NAME} too, so a record whose name ends in {@code .json} lives
 * in {@code NAME.json} with one more {@code .json} ({@code a.json} in {@code a.json.json}). If both
 * {@code NAME} and {@code NAME.json} exist, record {@code NAME} is ambiguous: it is listed once,
 * and reading or writing it is an error naming both files until a person removes one. Templates are
 * named exactly as their files.
 *
 * <p>Versions are a digest of the file's bytes, so a version names content rather than a write: a
 * hand edit changes it, and a conditional write compares what is on disk now, whoever wrote it.
 */
final class FileRecordStore<T> implements RecordStore<T> {
  static final String TEMP_PREFIX = ".bergenholm-tmp-";
  private static final String JSON = ".json";
  private static final HexFormat HEX = HexFormat.of();

  /**
   * What a write sees for a symbolic link that cannot be followed (it dangles or leads out of the
   * store): the name is taken, an unconditional replace or delete may repair it, and no version
   * matches it, since nobody could have read one.
   */
  private static final byte[] UNFOLLOWED_LINK = new byte[0];

  private final RecordKind kind;
  private final FileParameterStore store;
  private final Path folder;
  private final RecordCodec<T> codec;
  private final boolean jsonSuffix;

  FileRecordStore(RecordKind kind, FileParameterStore store, RecordCodec<T> codec) {
    this.kind = kind;
    this.store = store;
    this.folder = store.root().resolve(kind.plural());
    this.codec = codec;
    this.jsonSuffix = kind != RecordKind.TEMPLATE;
  }

  /** What is on disk for one record: where, and its bytes, if it exists. */
  private record Current(Path file, byte[] bytes, String version) {}

  @Override
  public List<String> list() {
    TreeSet<String> names = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path entry : entries) {
        String file = entry.getFileName().toString();
        if (file.startsWith(".")) {
          continue; // the store's temporary files, editors' swap files
        }
        String name =
            jsonSuffix && file.endsWith(JSON)
                ? file.substring(0, file.length() - JSON.length())
                : file;
        if (RecordNames.isValid(name)) {
          names.add(name);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of(); // the folder appears with the first record
    } catch (NotDirectoryException e) {
      throw new BadInputException(
          display(folder) + " is not a folder; the store needs it to hold " + kind.plural());
    } catch (IOException e) {
      throw unavailable("cannot list " + display(folder), e);
    }
    return List.copyOf(names);
  }

  @Override
  public Optional<Versioned<T>> get(String name) {
    Optional<Current> current = read(name, false);
    return current.map(
        c -> new Versioned<>(name, codec.decode(c.bytes(), describe(name, c.file())), c.version()));
  }

  @Override
  public Versioned<T> create(String name, T value) {
    Path file = resolve(primaryFile(name));
    byte[] bytes = codec.encode(value, describe(name, file));
    T stored = codec.decode(bytes, describe(name, file));
    store.checkWritable(kind, name);
    return store
        .lock()
        .hold(
            () -> {
              if (read(name, true).isPresent()) {
                throw new AlreadyExistsException(kind, name);
              }
              store.ensureFolder(folder);
              write(file, bytes);
              return new Versioned<>(name, stored, version(bytes));
            });
  }

  @Override
  public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
    Path file = resolve(primaryFile(name));
    byte[] bytes = codec.encode(value, describe(name, file));
    T stored = codec.decode(bytes, describe(name, file));
    store.checkWritable(kind, name);
    return store
        .lock()
        .hold(
            () -> {
              Current current = read(name, true).orElseThrow(() -> notFound(name));
              checkVersion(name, current, ifVersion);
              write(current.file(), bytes); // keeps NAME.json where a person made one
              return new Versioned<>(name, stored, version(bytes));
            });
  }

  @Override
  public void delete(String name, Optional<String> ifVersion) {
    RecordNames.check(kind, name);
    store.checkWritable(kind, name);
    store
        .lock()
        .hold(
            () -> {
              Current current = read(name, true).orElseThrow(() -> notFound(name));
              checkVersion(name, current, ifVersion);
              try {
                Files.delete(current.file()); // a symbolic link is removed, not its target
              } catch (IOException e) {
                throw unavailable(
                    "cannot delete " + display(current.file()) + "; nothing was deleted", e);
              }
              store.watcher().changed();
              try {
                syncFolder();
              } catch (IOException e) {
                throw unavailable(
                    display(current.file())
                        + " was deleted, but flushing its folder to disk failed, so the"
                        + " deletion may not survive a crash",
                    e);
              }
              return null;
            });
  }

  @Override
  public RecordKind kind() {
    return kind;
  }

  private NotFoundException notFound(String name) {
    return new NotFoundException(kind, name);
  }

  private void checkVersion(String name, Current current, Optional<String> ifVersion) {
    if (ifVersion.isPresent() && !ifVersion.get().equals(current.version())) {
      throw new StaleVersionException(kind, name, ifVersion.get(), current.version());
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The file a new record of {@code name} goes to. */
  private String primaryFile(String name) {
    RecordNames.check(kind, name);
    if (!jsonSuffix || !name.endsWith(JSON)) {
      return name;
    }
    String file = name + JSON;
    if (file.getBytes(StandardCharsets.UTF_8).length > RecordNames.MAX_BYTES) {
      throw new BadInputException(
          kind.singular()
              + " name '"
              + name
              + "' cannot be stored in a file: a name"
              + " ending in '.json' is stored as NAME.json and may then be at most "
              + (RecordNames.MAX_BYTES - JSON.length())
              + " bytes long");
    }
    return file;
  }

  private Path resolve(String file) {
    try {
      return folder.resolve(file);
    } catch (InvalidPathException e) {
      throw new BadInputException(
          kind.singular()
              + " name '"
              + file
              + "' cannot be a file name with this system's"
              + " file name encoding ("
              + System.getProperty("sun.jnu.encoding")
              + "); run Bergenholm with a UTF-8 locale",
          e);
    }
  }

  /**
   * The record's file and bytes; an error if the name is ambiguous or the file is unreadable.
   * {@code forWrite} admits links that cannot be followed, as {@link #UNFOLLOWED_LINK}.
   */
  private Optional<Current> read(String name, boolean forWrite) {
    Path primary = resolve(primaryFile(name));
    Optional<byte[]> main = readFile(name, primary, forWrite);
    if (jsonSuffix && !name.endsWith(JSON)) {
      Path alternative = resolve(name + JSON);
      if (alternative.getFileName().toString().getBytes(StandardCharsets.UTF_8).length
          <= RecordNames.MAX_BYTES) {
        Optional<byte[]> alt = readFile(name, alternative, forWrite);
        if (alt.isPresent()) {
          if (main.isPresent()) {
            throw new BadInputException(
                kind.singular()
                    + " '"
                    + name
                    + "' is stored twice, in "
                    + display(primary)
                    + " and in "
                    + display(alternative)
                    + "; remove one of them");
          }
          return Optional.of(new Current(alternative, alt.get(), version(alt.get())));
        }
      }
    }
    return main.map(bytes -> new Current(primary, bytes, version(bytes)));
  }

  /** The bytes of {@code file}, following a symbolic link only to a place inside the store. */
  private Optional<byte[]> readFile(String name, Path file, boolean forWrite) {
    try {
      return Optional.of(readNoFollow(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      if (!Files.isSymbolicLink(file)) {
        throw unreadable(name, file, e);
      }
    }
    Path target;
    try {
      target = file.toRealPath();
    } catch (NoSuchFileException dangling) {
      if (forWrite) {
        return Optional.of(UNFOLLOWED_LINK);
      }
      throw new BadInputException(describe(name, file) + " is a symbolic link to a missing file");
    } catch (IOException e) {
      throw unreadable(name, file, e);
    }
    if (!target.startsWith(store.root())) {
      if (forWrite) {
        return Optional.of(UNFOLLOWED_LINK);
      }
      throw new BadInputException(
          describe(name, file)
              + " is a symbolic link to "
              + target
              + ", outside the store folder; it is not followed");
    }
    try {
      return Optional.of(readNoFollow(target));
    } catch (IOException e) {
      throw unreadable(name, target, e);
    }
  }

  private static byte[] readNoFollow(Path file) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IOException("the file is too large (" + size + " bytes)");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // read up to the size found at opening
      }
      // A file edited in place while being read may come out short; the edit also moves the
      // change stamp, so whoever cached this read will read again.
      return buf.hasRemaining() ? Arrays.copyOf(buf.array(), buf.position()) : buf.array();
    }
  }

  private RuntimeException unreadable(String name, Path file, IOException e) {
    if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
      return new BadInputException(describe(name, file) + " is a folder, not a record file");
    }
    return unavailable("cannot read " + display(file), e);
  }

  /**
   * Replaces {@code target} atomically: the bytes go to a temporary file in the same folder (its
   * dot prefix hides it from {@link #list}), which is flushed to disk, renamed over the target, and
   * the folder is flushed so that the rename itself survives a crash. Readers see the old file or
   * the new one, never a part; a crash leaves at most a temporary file, removed at the next open.
   */
  private void write(Path target, byte[] bytes) {
    Path temp =
        folder.resolve(
            TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      deleteTemp(temp, e);
      throw unavailable(
          "cannot replace "
              + display(target)
              + " atomically on this file system; nothing was written",
          e);
    } catch (IOException e) {
      deleteTemp(temp, e);
      throw unavailable("cannot write " + display(target) + "; nothing was written", e);
    }
    store.watcher().changed();
    try {
      syncFolder();
    } catch (IOException e) {
      throw unavailable(
          display(target)
              + " was written, but flushing its folder to disk failed, so the change"
              + " may not survive a crash",
          e);
    }
    store.watcher().changed();
  }

  private static void deleteTemp(Path temp, IOException cause) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      cause.addSuppressed(e); // left behind, it is hidden from listing and removed at the next open
    }
  }

  private void syncFolder() throws IOException {
    try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  private static UnavailableException unavailable(String what, IOException e) {
    return new UnavailableException(what + " (" + e + ")", e);
  }

  /**
   * For messages: the record and its file relative to the store, such as {@code host 'web1'
   * (hosts/web1)}.
   */
  private String describe(String name, Path file) {
    return kind.singular() + " '" + name + "' (" + display(file) + ")";
  }

  private String display(Path p) {
    return store.display(p);
  }

  static String version(byte[] bytes) {
    if (bytes == UNFOLLOWED_LINK) {
      return "unfollowed-link";
    }
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Removes temporary files that a crashed writer left; call while holding the store lock. */
  List<Path> removeLeftovers() {
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder, TEMP_PREFIX + "*")) {
      for (Path t : temps) {
        Files.deleteIfExists(t);
        removed.add(t);
      }
    } catch (NoSuchFileException e) {
      return removed;
    } catch (IOException e) {
      throw unavailable("cannot remove temporary files in " + display(folder), e);
    }
    return removed;
  }

  boolean hasLeftovers() {
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder, TEMP_PREFIX + "*")) {
      return temps.iterator().hasNext();
    } catch (NoSuchFileException | NotDirectoryException e) {
      return false;
    } catch (IOException e) {
      throw unavailable("cannot list " + display(folder), e);
    }
  }
}
