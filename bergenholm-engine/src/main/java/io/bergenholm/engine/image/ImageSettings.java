package io.bergenholm.engine.image;

import io.bergenholm.api.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How the {@link ImageService} fetches and caches.
 *
 * @param cacheDir where cached images, their metadata and downloads in progress live
 * @param maxCacheBytes the cache's size bound; least recently used images are removed beyond it
 * @param timeout how long to wait to connect, for the response headers, and for each read
 * @param revalidateAfter how long a cached image is served without asking upstream whether it
 *     changed ({@link Duration#ZERO}: ask every time)
 * @param allowedHosts upstream host names images may come from ({@code *.example.org} matches
 *     sub-domains; {@code file} lets {@code file:} URLs past this list, when {@link
 *     SourcePolicy#schemes()} allows the scheme at all); empty allows every host the policy allows
 * @param policy which schemes and addresses images may come from
 * @param minRate the slowest an image body may arrive, in bytes per second, averaged over each
 *     {@code timeout} spent waiting for upstream; slower, the download fails (0: no minimum)
 */
public record ImageSettings(
    Path cacheDir,
    long maxCacheBytes,
    Duration timeout,
    Duration revalidateAfter,
    Set<String> allowedHosts,
    SourcePolicy policy,
    long minRate) {
  public static final String CACHE_DIR = "images.cache_dir";
  public static final String CACHE_MAX_BYTES = "images.cache_max_bytes";
  public static final String TIMEOUT = "images.timeout";
  public static final String REVALIDATE_AFTER = "images.revalidate_after";
  public static final String ALLOWED_HOSTS = "images.allowed_hosts";
  public static final String MIN_RATE = "images.min_rate";

  public static final long DEFAULT_MAX_CACHE_BYTES = 10L << 30;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REVALIDATE_AFTER = Duration.ofMinutes(5);

  /**
   * 32 KiB per second: far below any mirror a machine boots from, far above an upstream that
   * trickles a byte just often enough to beat the read timeout.
   */
  public static final long DEFAULT_MIN_RATE = 32 * 1024;

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

  public ImageSettings {
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(revalidateAfter, "revalidateAfter");
    Objects.requireNonNull(policy, "policy");
    allowedHosts =
        allowedHosts.stream()
            .map(h -> h.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
    if (maxCacheBytes <= 0) {
      throw new BadInputException(CACHE_MAX_BYTES + " must be positive, not " + maxCacheBytes);
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new BadInputException(TIMEOUT + " must be positive, not " + timeout);
    }
    if (revalidateAfter.isNegative()) {
      throw new BadInputException(REVALIDATE_AFTER + " must not be negative");
    }
    if (minRate < 0) {
      throw new BadInputException(MIN_RATE + " must not be negative, not " + minRate);
    }
  }

  /** Settings with the default {@link #DEFAULT_MIN_RATE minimum rate}. */
  public ImageSettings(
      Path cacheDir,
      long maxCacheBytes,
      Duration timeout,
      Duration revalidateAfter,
      Set<String> allowedHosts,
      SourcePolicy policy) {
    this(cacheDir, maxCacheBytes, timeout, revalidateAfter, allowedHosts, policy, DEFAULT_MIN_RATE);
  }

  /**
   * Reads the {@code images.*} keys of an engine configuration; absent keys take the defaults
   * (cache in {@link #defaultCacheDir()}, 10 GiB, 30 s timeout, revalidation after 5 minutes, every
   * host that {@link SourcePolicy#DEFAULT} allows, a minimum rate of 32K bytes per second). Sizes
   * and rates take {@code K}, {@code M}, {@code G}, {@code T} (powers of 1024); durations take
   * {@code ms}, {@code s}, {@code m}, {@code h} or ISO-8601 ({@code PT30S}).
   *
   * @throws BadInputException naming the key whose value cannot be read
   */
  public static ImageSettings fromConfig(Map<String, String> config) {
    String configured = config.get(CACHE_DIR);
    Path dir = configured == null || configured.isBlank() ? defaultCacheDir() : Path.of(configured);
    long max =
        config.containsKey(CACHE_MAX_BYTES)
            ? parseSize(CACHE_MAX_BYTES, config.get(CACHE_MAX_BYTES))
            : DEFAULT_MAX_CACHE_BYTES;
    Duration timeout =
        config.containsKey(TIMEOUT) ? parseDuration(TIMEOUT, config.get(TIMEOUT)) : DEFAULT_TIMEOUT;
    Duration revalidate =
        config.containsKey(REVALIDATE_AFTER)
            ? parseDuration(REVALIDATE_AFTER, config.get(REVALIDATE_AFTER))
            : DEFAULT_REVALIDATE_AFTER;
    Set<String> hosts =
        Arrays.stream(config.getOrDefault(ALLOWED_HOSTS, "").split("[,\\s]+"))
            .filter(h -> !h.isBlank())
            .collect(Collectors.toUnmodifiableSet());
    long minRate =
        config.containsKey(MIN_RATE) ? parseSize(MIN_RATE, config.get(MIN_RATE)) : DEFAULT_MIN_RATE;
    return new ImageSettings(
        dir, max, timeout, revalidate, hosts, SourcePolicy.fromConfig(config), minRate);
  }

  /**
   * A private directory outside {@code /tmp}: {@code /var/cache/bergenholm/images} for root,
   * otherwise {@code $XDG_CACHE_HOME/bergenholm/images} ({@code ~/.cache/bergenholm/images}).
   */
  public static Path defaultCacheDir() {
    if ("root".equals(System.getProperty("user.name"))) {
      return Path.of("/var/cache/bergenholm/images");
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("bergenholm").resolve("images");
  }

  static long parseSize(String key, String value) {
    Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new BadInputException(key + " = '" + value + "' is not a size such as 10G or 500M");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    int shift =
        switch (unit.charAt(0)) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          case 't' -> 40;
          default -> 0;
        };
    return n << shift;
  }

  static Duration parseDuration(String key, String value) {
    String v = value.trim();
    if (v.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        return Duration.parse(v);
      } catch (DateTimeParseException e) {
        throw new BadInputException(key + " = '" + value + "' is not an ISO-8601 duration", e);
      }
    }
    Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new BadInputException(key + " = '" + value + "' is not a duration such as 30s or 5m");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /** Whether images may be fetched from the host of {@code scheme}/{@code host}. */
  boolean allows(String scheme, String host) {
    if (allowedHosts.isEmpty()) {
      return true;
    }
    if ("file".equals(scheme)) {
      return allowedHosts.contains("file");
    }
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    for (String allowed : allowedHosts) {
      if (allowed.equals(h) || (allowed.startsWith("*.") && h.endsWith(allowed.substring(1)))) {
        return true;
      }
    }
    return false;
  }
}
