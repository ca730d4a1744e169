package io.bergenholm.engine.image;

import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk image cache: {@code <key>.data} and {@code <key>.meta} per image, downloads in
 * progress under {@code tmp/}. Bounded in bytes; the least recently used image goes first. The
 * recency order survives a restart through the data files' modification times, which a hit touches.
 *
 * <p>An entry is whole or absent: data is renamed into place only when complete and verified, and a
 * data file without a matching meta file is removed at start.
 */
final class CacheIndex {
  private static final Logger log = LoggerFactory.getLogger(CacheIndex.class);

  /**
   * A cache entry opened for reading; the channel stays readable if the entry is evicted.
   *
   * @param generation which stored copy of the key this is (see {@link #commit})
   */
  record Opened(CacheEntry entry, long generation, FileChannel channel) {}

  /**
   * Where a download went into the cache.
   *
   * @param generation identifies this stored copy of the key: it changes with every commit, so a
   *     digest computed from this copy is never recorded for another one
   */
  record Committed(Path data, long generation) {}

  private final Path dir;
  private final Path tmp;
  private final long maxBytes;

  /** Creates files 0600 (where the file system has permissions). */
  private final FileAttribute<?>[] fileAttributes;

  /** Least recently used first: only {@link #open} counts as a use. */
  private final LinkedHashMap<String, CacheEntry> entries = new LinkedHashMap<>();

  private final Map<String, Long> generations = new HashMap<>();
  private long lastGeneration;
  private long totalBytes;

  CacheIndex(Path dir, long maxBytes) {
    this.dir = dir;
    this.tmp = dir.resolve("tmp");
    this.maxBytes = maxBytes;
    try {
      PrivateDirectory.ensure(dir);
      PrivateDirectory.ensure(tmp);
      this.fileAttributes = PrivateDirectory.fileAttributes(dir);
      clearTemporaryFiles();
      load();
    } catch (IOException e) {
      throw new UnavailableException("image cache " + dir + " cannot be used: " + e, e);
    }
    synchronized (this) {
      evict();
    }
  }

  static String keyOf(String url) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Attributes for {@link java.nio.channels.FileChannel#open} of a new file in the cache. */
  FileAttribute<?>[] fileAttributes() {
    return fileAttributes;
  }

  Path newTemporaryFile(String key) {
    return tmp.resolve(key + "." + UUID.randomUUID() + ".part");
  }

  /** Opens a cached image and marks it most recently used. */
  synchronized Optional<Opened> open(String key) {
    CacheEntry entry = entries.get(key);
    if (entry == null) {
      return Optional.empty();
    }
    Path data = dataFile(key);
    try {
      FileChannel channel = FileChannel.open(data, StandardOpenOption.READ);
      if (channel.size() != entry.length()) {
        channel.close();
        log.warn(
            "cached image {} has {} bytes on disk instead of {}; dropping it",
            entry.url(),
            Files.size(data),
            entry.length());
        remove(key);
        return Optional.empty();
      }
      Files.setLastModifiedTime(data, FileTime.from(Instant.now()));
      entries.remove(key);
      entries.put(key, entry);
      return Optional.of(new Opened(entry, generations.get(key), channel));
    } catch (NoSuchFileException e) {
      log.warn("cached image {} vanished from {}; dropping it", entry.url(), data);
      remove(key);
      return Optional.empty();
    } catch (IOException e) {
      throw new UnavailableException("reading cached image " + entry.url() + " failed: " + e, e);
    }
  }

  synchronized Optional<CacheEntry> peek(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * Moves a complete, verified download into the cache (replacing an older copy), then evicts down
   * to the bound. The rename is atomic: readers of the old copy keep it, new readers get the new.
   */
  synchronized Committed commit(Path download, CacheEntry entry) throws IOException {
    String key = entry.key();
    CacheEntry old = entries.remove(key);
    generations.remove(key);
    if (old != null) {
      totalBytes -= old.length();
    }
    // Meta first out, last in: a crash in between leaves data without meta, removed at start.
    Files.deleteIfExists(metaFile(key));
    Path data = dataFile(key);
    Files.move(download, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    writeMeta(entry);
    entries.put(key, entry);
    long generation = ++lastGeneration;
    generations.put(key, generation);
    totalBytes += entry.length();
    evict();
    return new Committed(data, generation);
  }

  /**
   * Records the digest computed from stored copy {@code generation} of {@code key}, if that copy is
   * still the one in the cache; leaves the recency order as it is. False if the copy is gone.
   */
  synchronized boolean recordDigest(String key, long generation, String hex) {
    if (!Long.valueOf(generation).equals(generations.get(key))) {
      return false;
    }
    CacheEntry updated = entries.get(key).withSha256(hex);
    try {
      writeMeta(updated);
    } catch (IOException failed) {
      // The digest is still good for this run; the next one computes it again if asked.
      log.warn("cannot record the digest of {}: {}", updated.url(), failed.toString());
    }
    entries.put(key, updated); // keeps its place: recording is not a use
    return true;
  }

  synchronized void markValidated(String key, Instant at) {
    CacheEntry entry = entries.get(key);
    if (entry == null) {
      return;
    }
    CacheEntry updated = entry.validated(at);
    try {
      writeMeta(updated);
      entries.put(key, updated);
    } catch (IOException e) {
      throw new UncheckedIOException("updating " + metaFile(key) + " failed", e);
    }
  }

  synchronized void remove(String key) {
    generations.remove(key);
    CacheEntry entry = entries.remove(key);
    if (entry != null) {
      totalBytes -= entry.length();
    }
    deleteQuietly(metaFile(key));
    deleteQuietly(dataFile(key));
  }

  synchronized long totalBytes() {
    return totalBytes;
  }

  synchronized int size() {
    return entries.size();
  }

  Path directory() {
    return dir;
  }

  /** The cache's bound in bytes: also the most one image may have. */
  long maxBytes() {
    return maxBytes;
  }

  private void evict() {
    Iterator<Map.Entry<String, CacheEntry>> it = entries.entrySet().iterator();
    while (totalBytes > maxBytes && it.hasNext()) {
      CacheEntry victim = it.next().getValue();
      it.remove();
      generations.remove(victim.key());
      totalBytes -= victim.length();
      deleteQuietly(metaFile(victim.key()));
      deleteQuietly(dataFile(victim.key()));
      log.info(
          "evicted cached image {} ({} bytes) to keep the cache under {} bytes",
          victim.url(),
          victim.length(),
          maxBytes);
    }
  }

  private Path dataFile(String key) {
    return dir.resolve(key + ".data");
  }

  private Path metaFile(String key) {
    return dir.resolve(key + ".meta");
  }

  private void writeMeta(CacheEntry entry) throws IOException {
    Properties p = new Properties();
    p.setProperty("url", entry.url());
    p.setProperty("length", Long.toString(entry.length()));
    entry.etag().ifPresent(v -> p.setProperty("etag", v));
    entry.lastModified().ifPresent(v -> p.setProperty("last_modified", v));
    entry.sha256().ifPresent(v -> p.setProperty("sha256", v));
    p.setProperty("validated_at", entry.validatedAt().toString());
    Path next = tmp.resolve(entry.key() + "." + UUID.randomUUID() + ".meta");
    Files.createFile(next, fileAttributes);
    try (OutputStream out = Files.newOutputStream(next)) {
      p.store(out, "bergenholm image cache entry");
    }
    Files.move(
        next,
        metaFile(entry.key()),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private void clearTemporaryFiles() throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
      for (Path f : files) {
        log.info("removing {} left by an interrupted download", f);
        Files.deleteIfExists(f);
      }
    }
  }

  private void load() throws IOException {
    record Found(CacheEntry entry, FileTime used) {}
    List<Found> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.data")) {
      for (Path data : files) {
        String name = data.getFileName().toString();
        String key = name.substring(0, name.length() - ".data".length());
        Optional<CacheEntry> entry = readMeta(key);
        if (entry.isEmpty() || Files.size(data) != entry.get().length()) {
          log.warn("removing cached image {} whose metadata is missing or does not match", data);
          deleteQuietly(data);
          deleteQuietly(metaFile(key));
          continue;
        }
        found.add(new Found(entry.get(), Files.getLastModifiedTime(data)));
      }
    }
    try (DirectoryStream<Path> metas = Files.newDirectoryStream(dir, "*.meta")) {
      for (Path meta : metas) {
        String name = meta.getFileName().toString();
        if (!Files.exists(dataFile(name.substring(0, name.length() - ".meta".length())))) {
          deleteQuietly(meta);
        }
      }
    }
    found.sort(Comparator.comparing(Found::used));
    for (Found f : found) {
      entries.put(f.entry().key(), f.entry());
      generations.put(f.entry().key(), ++lastGeneration);
      totalBytes += f.entry().length();
    }
    log.info("image cache {} holds {} images, {} bytes", dir, entries.size(), totalBytes);
  }

  private Optional<CacheEntry> readMeta(String key) {
    Path meta = metaFile(key);
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(meta)) {
      p.load(in);
      return Optional.of(
          new CacheEntry(
              key,
              p.getProperty("url", "?"),
              Long.parseLong(p.getProperty("length")),
              Optional.ofNullable(p.getProperty("etag")),
              Optional.ofNullable(p.getProperty("last_modified")),
              Optional.ofNullable(p.getProperty("sha256")).filter(v -> !v.isEmpty()),
              Instant.parse(p.getProperty("validated_at"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read image cache metadata {}: {}", meta, e.toString());
      return Optional.empty();
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
