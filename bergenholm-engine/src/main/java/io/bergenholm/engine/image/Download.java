package io.bergenholm.engine.image;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.BergenholmException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import io.bergenholm.api.image.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream request for one URL, shared by every requester that arrives while it runs (single
 * flight). The body goes to a temporary file in the cache directory; followers read that file up to
 * {@link #written()} while it grows. On success the file is renamed into the cache; on any fault it
 * is deleted and every follower sees {@link Phase#FAILED}.
 */
final class Download implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Download.class);
  private static final int STAGING = 64 * 1024;

  enum Phase {
    /** Waiting for upstream's response headers. */
    CONNECTING,
    /** The body is arriving in {@link #file}. */
    RECEIVING,
    /**
     * The body is complete, of its announced length, and in the cache at {@link #file}; its digest
     * is known, or being computed from the file (when no host named one as it began).
     */
    COMPLETE,
    /** Upstream said the cached copy is current, or could not be asked: serve the cache. */
    USE_CACHE,
    FAILED
  }

  /**
   * Everything a follower needs, read under one lock.
   *
   * @param sha256 the digest; while COMPLETE, empty until computed afterwards
   * @param failure why the download failed, or (while COMPLETE) why its digest could not be
   *     computed
   */
  record Snapshot(
      Phase phase,
      long written,
      OptionalLong declaredLength,
      Optional<String> sha256,
      Optional<Exception> failure,
      boolean failedBeforeBody) {}

  private final String key;
  private final URI url;
  private final String shown;
  private final Optional<URI> proxy;
  private final ImageSource source;
  private final Optional<CacheEntry> stale;
  private final Optional<String> expectedSha256;
  private final String hostId;
  private final Duration timeout;
  private final long minRate;
  private final CacheIndex cache;
  private final CacheDigests digests;
  private final ImageMetrics metrics;
  private final Consumer<Download> forget;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private Phase phase = Phase.CONNECTING;
  private Path file;
  private long written;
  private OptionalLong declaredLength = OptionalLong.empty();
  private String sha256;
  private Exception failure;
  private boolean failedBeforeBody;

  Download(
      String key,
      URI url,
      Optional<URI> proxy,
      ImageSource source,
      Optional<CacheEntry> stale,
      Optional<String> expectedSha256,
      String hostId,
      Duration timeout,
      long minRate,
      CacheIndex cache,
      CacheDigests digests,
      ImageMetrics metrics,
      Consumer<Download> forget) {
    this.key = key;
    this.url = url;
    this.shown = Urls.redact(url);
    this.proxy = proxy;
    this.source = source;
    this.stale = stale;
    this.expectedSha256 = expectedSha256;
    this.hostId = hostId;
    this.timeout = timeout;
    this.minRate = minRate;
    this.cache = cache;
    this.digests = digests;
    this.metrics = metrics;
    this.forget = forget;
  }

  String url() {
    return shown;
  }

  String key() {
    return key;
  }

  @Override
  public void run() {
    ImageResponse response;
    try {
      metrics.upstreamFetches.increment();
      if (stale.isPresent()) {
        metrics.revalidations.increment();
      }
      response =
          source.fetch(
              new ImageRequest(
                  url,
                  proxy,
                  stale.flatMap(CacheEntry::etag),
                  stale.flatMap(CacheEntry::lastModified),
                  timeout));
    } catch (NotFoundException e) {
      stale.ifPresent(s -> cache.remove(key));
      fail(e, true);
      return;
    } catch (BadInputException e) {
      // Refused by the source policy: never served, not even from an older copy.
      fail(e, true);
      return;
    } catch (BergenholmException e) {
      if (stale.isPresent()) {
        // Upstream is unreachable, but the copy we hold was good: better a boot than an outage.
        log.warn(
            "host {}: revalidating {} failed ({}); serving the cached copy",
            hostId,
            shown,
            e.getMessage());
        metrics.failures.increment();
        finishWithCache();
      } else {
        fail(e, true);
      }
      return;
    } catch (RuntimeException e) {
      fail(new UpstreamException("fetching " + shown + " failed: " + e, e), true);
      return;
    }
    try (response) {
      if (response.notModified()) {
        cache.markValidated(key, Instant.now());
        finishWithCache();
      } else {
        receive(response);
      }
    } catch (IOException | RuntimeException e) {
      fail(e, false);
    }
  }

  private void receive(ImageResponse response) throws IOException {
    // An image larger than the whole cache could never be kept, and an upstream that sends without
    // end must not fill the disk that every other download (and perhaps the store) shares.
    long bound = cache.maxBytes();
    OptionalLong announced = response.contentLength();
    if (announced.isPresent() && announced.getAsLong() > bound) {
      throw new IOException(tooLarge("announces " + announced.getAsLong() + " bytes", bound));
    }
    Path temporary = cache.newTemporaryFile(key);
    synchronized (this) {
      file = temporary;
    }
    FileChannel reader = null;
    CacheIndex.Committed committed;
    try (FileChannel out =
        FileChannel.open(
            temporary,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            cache.fileAttributes())) {
      synchronized (this) {
        declaredLength = response.contentLength();
        phase = Phase.RECEIVING;
        notifyAll();
      }
      fireListeners();
      long total = 0;
      Optional<String> hex;
      // Receive here; write (and hash) on the pipeline's threads, so they overlap. Without an
      // expected digest, hashing waits until the image is released: it is not on the boot's path.
      try (WritePipeline pipeline =
          new WritePipeline(
              out,
              shown,
              Thread.currentThread().getName(),
              this::written,
              expectedSha256.isPresent())) {
        InputStream in = response.body();
        // A body that is also a channel (the HTTP source's) fills the pipeline's direct buffers
        // with no copy of its own; any other stream goes through a small array.
        ReadableByteChannel channel = in instanceof ReadableByteChannel c ? c : null;
        byte[] staging = channel == null ? new byte[STAGING] : null;
        SlowUpstream slow = new SlowUpstream();
        boolean ended = false;
        while (!ended) {
          ByteBuffer buffer = pipeline.take();
          // Fill the buffer with what has arrived, then hand it over: large writes, few wake-ups.
          do {
            if (Thread.currentThread().isInterrupted()) {
              throw new InterruptedIOException("download of " + shown + " interrupted");
            }
            int n;
            long before = System.nanoTime();
            if (channel != null) {
              n = channel.read(buffer);
            } else {
              n = in.read(staging, 0, Math.min(staging.length, buffer.remaining()));
              if (n > 0) {
                buffer.put(staging, 0, n);
              }
            }
            if (n < 0) {
              ended = true;
              break;
            }
            slow.check(n, System.nanoTime() - before);
            total += n;
            metrics.bytesFetched.add(n);
            if (total > bound) {
              throw new IOException(tooLarge("sent more than " + bound + " bytes", bound));
            }
          } while (channel == null && buffer.hasRemaining() && in.available() > 0);
          pipeline.submit(buffer);
        }
        OptionalLong declared = response.contentLength();
        if (declared.isPresent() && declared.getAsLong() != total) {
          throw new IOException(
              shown + " sent " + total + " bytes but announced " + declared.getAsLong());
        }
        hex = pipeline.finish();
      }
      if (expectedSha256.isPresent() && !expectedSha256.equals(hex)) {
        throw new IOException(
            shown
                + " has sha256 "
                + hex.orElse("?")
                + ", not the expected "
                + expectedSha256.get());
      }
      CacheEntry entry =
          new CacheEntry(
              key, shown, total, response.etag(), response.lastModified(), hex, Instant.now());
      // Opened before the rename, so the digest reads this very file whatever becomes of its name.
      reader = hex.isEmpty() ? FileChannel.open(temporary, StandardOpenOption.READ) : null;
      synchronized (this) {
        // Under the lock so that a follower never opens the temporary name after the rename.
        committed = cache.commit(temporary, entry);
        file = committed.data();
        sha256 = hex.orElse(null);
      }
    } catch (IOException | RuntimeException e) {
      if (reader != null) {
        reader.close();
      }
      throw e;
    }
    // Forget before announcing completion: whoever hears of it and asks again finds the cache.
    forget.accept(this);
    synchronized (this) {
      phase = Phase.COMPLETE;
      notifyAll();
    }
    fireListeners();
    log.info("host {}: fetched {} ({} bytes) into the image cache", hostId, shown, written());
    if (reader != null) {
      try (FileChannel data = reader) {
        digestAfterward(data, committed.generation(), written());
      }
    }
  }

  /**
   * Computes the digest of the released image (or waits for a requester computing it), for the
   * followers that expect one and for the cache; a fault leaves the image in the cache without one.
   */
  private void digestAfterward(FileChannel reader, long generation, long length) {
    String hex = null;
    IOException fault = null;
    try {
      hex = digests.digest(key, generation, length, reader, shown);
    } catch (IOException | RuntimeException e) {
      // Whatever it was, followers waiting for the digest must hear of it.
      fault = new IOException("the digest of " + shown + " could not be computed: " + e, e);
      log.warn("host {}: {}", hostId, fault.getMessage());
    }
    synchronized (this) {
      sha256 = hex;
      failure = fault;
      notifyAll();
    }
    fireListeners();
  }

  /**
   * Fails a body that arrives slower than {@link ImageSettings#minRate()}, averaged over each
   * timeout's worth of waiting for upstream: the read timeout alone lets an upstream that sends a
   * byte just often enough hold the download, and every machine following it, for as long as it
   * likes. Only time spent waiting for upstream counts, not time the pipeline (the disk) holds the
   * receiver back.
   */
  private final class SlowUpstream {
    private final long window = timeout.toNanos();
    private long waited;
    private long bytes;

    void check(int received, long nanos) throws IOException {
      waited += nanos;
      bytes += received;
      if (minRate <= 0 || waited < window) {
        return;
      }
      double seconds = waited / 1e9;
      if (bytes < minRate * seconds) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "%s sent %d bytes in %.1f s of waiting, below %s = %d bytes per second",
                shown,
                bytes,
                seconds,
                ImageSettings.MIN_RATE,
                minRate));
      }
      waited = 0;
      bytes = 0;
    }
  }

  private String tooLarge(String what, long bound) {
    return shown
        + " "
        + what
        + ": more than the whole image cache holds ("
        + ImageSettings.CACHE_MAX_BYTES
        + " = "
        + bound
        + ")";
  }

  private void finishWithCache() {
    forget.accept(this);
    synchronized (this) {
      phase = Phase.USE_CACHE;
      notifyAll();
    }
    fireListeners();
  }

  private void fail(Exception cause, boolean beforeBody) {
    metrics.failures.increment();
    // Forget first: a request that comes after the failure starts a fresh download.
    forget.accept(this);
    Path partial;
    synchronized (this) {
      partial = file;
    }
    // Delete before followers hear of the failure, so that none can see it as a leftover.
    if (partial != null) {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        log.warn("cannot delete partial download {}: {}", partial, e.toString());
      }
    }
    synchronized (this) {
      phase = Phase.FAILED;
      failure = cause;
      failedBeforeBody = beforeBody;
      notifyAll();
    }
    fireListeners();
    log.error("host {}: image {} failed: {}", hostId, shown, cause.getMessage());
  }

  /** Waits until the response headers are in (or the download ended). */
  synchronized Snapshot awaitStart() throws InterruptedException {
    while (phase == Phase.CONNECTING) {
      wait();
    }
    return snapshot();
  }

  /**
   * Waits until the digest of a complete download is known, or could not be computed; returns at
   * once in any other phase.
   */
  synchronized Snapshot awaitDigest() throws InterruptedException {
    while (phase == Phase.COMPLETE && sha256 == null && failure == null) {
      wait();
    }
    return snapshot();
  }

  /** Waits until more than {@code position} bytes are written or the download ended. */
  synchronized Snapshot awaitBeyond(long position) throws InterruptedException {
    while (phase == Phase.RECEIVING && written <= position) {
      wait();
    }
    return snapshot();
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(
        phase,
        written,
        declaredLength,
        Optional.ofNullable(sha256),
        Optional.ofNullable(failure),
        failedBeforeBody);
  }

  /** Opens the file the body is in now; call only while RECEIVING or COMPLETE. */
  synchronized FileChannel openFile() throws IOException {
    return FileChannel.open(file, StandardOpenOption.READ);
  }

  long written() {
    synchronized (this) {
      return written;
    }
  }

  /** From the pipeline's writer: the file now holds {@code total} bytes. */
  private void written(long total) {
    synchronized (this) {
      written = total;
      notifyAll();
    }
    fireListeners();
  }

  void addListener(Runnable listener) {
    listeners.add(listener);
  }

  void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  private void fireListeners() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("image progress listener failed for {}", shown, e);
      }
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
