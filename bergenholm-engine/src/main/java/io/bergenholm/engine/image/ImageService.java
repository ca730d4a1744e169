package io.bergenholm.engine.image;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Serves boot images from their upstream URLs through a bounded disk cache.
 *
 * <ul>
 *   <li><b>Single flight</b>: however many requesters ask for one URL at once, one upstream request
 *       is made; each requester follows the download's file as it grows, from byte 0.
 *   <li><b>Whole or nothing</b>: a download becomes a cache entry only when complete, of the
 *       announced length and (when a digest is expected) of the expected sha256. On any fault the
 *       partial file is deleted, every follower's handle turns {@link ImageHandle.State.Failed},
 *       and the next request starts afresh.
 *   <li><b>Cache</b>: keyed by URL, bounded in bytes (least recently used first out), kept across
 *       restarts, revalidated with ETag/Last-Modified once {@link ImageSettings#revalidateAfter()}
 *       has passed. If upstream cannot be reached to revalidate, the cached copy is served.
 *   <li><b>Not an open proxy</b>: it fetches only the {@link ImageTarget}s the engine resolved from
 *       a host's parameters, with a scheme and from addresses the {@link SourcePolicy} allows
 *       (checked again for every redirect), from hosts on the optional allow-list.
 * </ul>
 *
 * <p>{@link #open} blocks until upstream's response headers arrive: call it off any event loop.
 */
public final class ImageService implements AutoCloseable {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int ATTEMPTS = 3;

  private final ImageSettings settings;
  private final Function<String, Optional<ImageSource>> sources;
  private final CacheIndex cache;
  private final ImageMetrics metrics = new ImageMetrics();
  private final CacheDigests digests;
  private final ExecutorService downloads;
  private final Object lock = new Object();
  private final Map<String, Download> inFlight = new HashMap<>(); // guarded by lock

  /**
   * @param sources the image source for a lower-case URL scheme, such as {@link
   *     io.bergenholm.engine.Bergenholm#imageSource} (which honours the plugin class loader and the
   *     {@code image.<provider>.} settings)
   * @throws UnavailableException if the cache directory cannot be created or read
   */
  public ImageService(ImageSettings settings, Function<String, Optional<ImageSource>> sources) {
    this.settings = settings;
    this.sources = sources;
    this.cache = new CacheIndex(settings.cacheDir(), settings.maxCacheBytes());
    this.digests = new CacheDigests(cache, metrics);
    AtomicInteger threads = new AtomicInteger();
    this.downloads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "image-download-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A service with the {@code images.*} settings of {@code config} (see {@link
   * ImageSettings#fromConfig}) and the image sources of {@code engine}.
   */
  public static ImageService forEngine(Bergenholm engine, Map<String, String> config) {
    return new ImageService(ImageSettings.fromConfig(config), engine::imageSource);
  }

  /**
   * Gives a handle on the image {@code target} names for host {@code hostId}: from the cache, or
   * following the (possibly shared) download. Blocks until upstream answers.
   *
   * @throws BadInputException if the URL's scheme has no source, its host is not allowed, or the
   *     expected digest is not 64 hex digits
   * @throws NotFoundException if upstream says the image does not exist
   * @throws UpstreamException if upstream fails, refuses or times out before the body starts
   * @throws UnavailableException if the cache cannot be read
   */
  public ImageHandle open(String hostId, ImageTarget target) {
    Checked c = check(hostId, target);
    for (int attempt = 1; ; attempt++) {
      Optional<ImageHandle> handle =
          attempt(hostId, target, c.source(), c.key(), c.expected(), false);
      if (handle.isPresent()) {
        return handle.get();
      }
      if (attempt == ATTEMPTS) {
        throw new UnavailableException(
            "image "
                + Urls.redact(target.url())
                + " for host "
                + hostId
                + " left the cache "
                + ATTEMPTS
                + " times while being opened; is the cache too small?");
      }
    }
  }

  /**
   * Like {@link #open}, but only when that needs no waiting: the image is fresh in the cache, or
   * its download is already receiving. Empty otherwise (call {@link #open} off the event loop).
   * Safe to call on an event loop: it opens a file at most.
   *
   * @throws BadInputException NotFoundException UpstreamException as {@link #open}
   */
  public Optional<ImageHandle> openIfReady(String hostId, ImageTarget target) {
    Checked c = check(hostId, target);
    Download download;
    synchronized (lock) {
      download = inFlight.get(c.key());
      if (download == null) {
        Optional<CacheEntry> entry =
            cache
                .peek(c.key())
                .filter(e -> c.expected().isEmpty() || c.expected().equals(e.sha256()))
                .filter(this::isFresh);
        if (entry.isEmpty()) {
          return Optional.empty();
        }
        Optional<CacheIndex.Opened> opened = cache.open(c.key());
        opened.ifPresent(o -> metrics.hits.increment());
        return opened.map(o -> ImageHandle.cached(o, metrics));
      }
    }
    Download.Phase phase = download.snapshot().phase();
    if (phase != Download.Phase.RECEIVING && phase != Download.Phase.COMPLETE) {
      return Optional.empty();
    }
    return follow(download, hostId, c.key(), c.expected());
  }

  private record Checked(ImageSource source, String key, Optional<String> expected) {}

  private Checked check(String hostId, ImageTarget target) {
    URI url = target.url();
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    settings.policy().checkScheme(hostId, target.parameter(), url);
    ImageSource source =
        (scheme.isEmpty() ? Optional.<ImageSource>empty() : sources.apply(scheme))
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host "
                            + hostId
                            + ": "
                            + target.parameter()
                            + " = "
                            + Urls.redact(url)
                            + " has no image source for scheme '"
                            + scheme
                            + "'"));
    if (!settings.allows(scheme, url.getHost())) {
      throw new BadInputException(
          "host "
              + hostId
              + ": "
              + target.parameter()
              + " = "
              + Urls.redact(url)
              + " is not on "
              + ImageSettings.ALLOWED_HOSTS
              + " "
              + new TreeSet<>(settings.allowedHosts()));
    }
    Optional<String> expected = target.sha256().map(s -> s.trim().toLowerCase(Locale.ROOT));
    if (expected.isPresent() && !SHA256.matcher(expected.get()).matches()) {
      throw new BadInputException(
          "host " + hostId + ": " + target.parameter() + "_sha256 is not 64 hexadecimal digits");
    }
    // Addresses are checked by the guard when it fetches, off the event loop (they need DNS).
    return new Checked(
        new GuardedSource(source, settings.policy(), hostId, target.parameter()),
        CacheIndex.keyOf(url.toString()),
        expected);
  }

  /**
   * Empty when the image left the cache between finding and opening it; try again.
   *
   * @param digestFilled whether this is the second attempt after computing a cached image's digest
   *     (an image still without one is then treated as not the expected one)
   */
  private Optional<ImageHandle> attempt(
      String hostId,
      ImageTarget target,
      ImageSource source,
      String key,
      Optional<String> expected,
      boolean digestFilled) {
    Download download;
    boolean started = false;
    Optional<CacheIndex.Opened> unverified = Optional.empty();
    synchronized (lock) {
      download = inFlight.get(key);
      Optional<CacheEntry> cached = download == null ? cache.peek(key) : Optional.empty();
      if (!digestFilled
          && expected.isPresent()
          && cached.isPresent()
          && cached.get().sha256().isEmpty()) {
        // Stored by a download no host named a digest for: compute it first, off the lock.
        unverified = cache.open(key);
      }
      if (download == null && unverified.isEmpty()) {
        Optional<CacheEntry> entry =
            cached.filter(e -> expected.isEmpty() || expected.equals(e.sha256()));
        if (entry.isPresent() && isFresh(entry.get())) {
          Optional<CacheIndex.Opened> opened = cache.open(key);
          if (opened.isPresent()) {
            metrics.hits.increment();
            return Optional.of(ImageHandle.cached(opened.get(), metrics));
          }
        }
        Download d =
            new Download(
                key,
                target.url(),
                target.proxy(),
                source,
                entry,
                expected,
                hostId,
                settings.timeout(),
                settings.minRate(),
                cache,
                digests,
                metrics,
                this::forget);
        download = d;
        inFlight.put(key, d);
        started = true;
      }
    }
    if (unverified.isPresent()) {
      fillDigest(hostId, key, unverified.get());
      return attempt(hostId, target, source, key, expected, true);
    }
    if (started) {
      downloads.execute(download);
    }
    return follow(download, hostId, key, expected);
  }

  /** Computes (or waits for) the digest of a cached image stored without one, and records it. */
  private void fillDigest(String hostId, String key, CacheIndex.Opened opened) {
    String shown = opened.entry().url();
    try (FileChannel data = opened.channel()) {
      digests.digest(key, opened.generation(), opened.entry().length(), data, shown);
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException("interrupted verifying " + shown + " for host " + hostId, e);
    } catch (IOException e) {
      throw new UnavailableException(
          "verifying the cached " + shown + " for host " + hostId + " failed: " + e, e);
    }
  }

  private Optional<ImageHandle> follow(
      Download download, String hostId, String key, Optional<String> expected) {
    Download.Snapshot start;
    try {
      start = download.awaitStart();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException("interrupted waiting for " + download.url());
    }
    switch (start.phase()) {
      case USE_CACHE:
        {
          Optional<CacheIndex.Opened> opened = cache.open(key);
          if (opened.isPresent()
              && expected.isPresent()
              && !expected.equals(opened.get().entry().sha256())) {
            // The copy the download settled on is not verified for this host (it expects another
            // digest, or the copy has none yet): try again, which verifies it or fetches afresh.
            closeQuietly(opened.get().channel());
            return Optional.empty();
          }
          opened.ifPresent(o -> metrics.hits.increment());
          return opened.map(o -> ImageHandle.cached(o, metrics));
        }
      case FAILED:
        {
          Exception cause = start.failure().orElseThrow();
          if (cause instanceof NotFoundException nf) {
            throw new NotFoundException(nf.what(), nf.name());
          }
          if (cause instanceof BadInputException refused) {
            throw new BadInputException(refused.getMessage(), refused);
          }
          if (start.failedBeforeBody() && cause instanceof UpstreamException) {
            throw new UpstreamException(cause.getMessage(), cause);
          }
          throw new UpstreamException(
              "image " + download.url() + " for host " + hostId + " failed: " + cause.getMessage(),
              cause);
        }
      default:
        {
          try {
            FileChannel channel = download.openFile();
            metrics.misses.increment();
            return Optional.of(ImageHandle.following(download, channel, expected, metrics));
          } catch (NoSuchFileException e) {
            // Completed and evicted, or failed and deleted, between the snapshot and the open.
            return Optional.empty();
          } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted opening " + download.url(), e);
          } catch (IOException e) {
            throw new UnavailableException(
                "opening the download of " + download.url() + " failed: " + e, e);
          }
        }
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Only read from: nothing is lost.
    }
  }

  private boolean isFresh(CacheEntry entry) {
    Duration age = Duration.between(entry.validatedAt(), Instant.now());
    return age.compareTo(settings.revalidateAfter()) < 0;
  }

  private void forget(Download download) {
    synchronized (lock) {
      inFlight.remove(download.key(), download);
    }
  }

  /** The counters now, with the cache's current size. */
  public ImageMetricsSnapshot metrics() {
    return metrics.snapshot(cache.totalBytes(), cache.size());
  }

  /** Stops downloads in flight (their followers fail); the cache stays on disk. */
  @Override
  public void close() {
    downloads.shutdownNow();
  }
}
