package io.bergenholm.engine.render;

import io.bergenholm.api.BadInputException;
import java.time.Duration;
import java.util.Map;

/**
 * The bounds that stop a hostile or broken template. Each applies to one call of {@link
 * io.bergenholm.api.render.TemplateRenderer#render}, includes counted in.
 *
 * @param maxOutputChars the longest output, and the longest string a template may build
 * @param maxNodes how many template nodes (text, expressions, tags, loop bodies) one render may
 *     evaluate; this bounds loops, nested loops and macro calls together
 * @param timeout the wall-clock time one render may take
 * @param rangeLimit the largest {@code range()} a template may ask for
 * @param maxDepth how deep includes and macro calls may nest
 * @param maxCollectionSize the largest list or map a template may build
 */
public record RenderLimits(
    long maxOutputChars,
    long maxNodes,
    Duration timeout,
    int rangeLimit,
    int maxDepth,
    int maxCollectionSize) {

  /** Generous for iPXE scripts, kickstarts and preseeds, small enough to keep a server alive. */
  public static final RenderLimits DEFAULT =
      new RenderLimits(1 << 20, 200_000, Duration.ofSeconds(2), 10_000, 10, 10_000);

  public RenderLimits {
    if (maxOutputChars < 1
        || maxNodes < 1
        || timeout.isNegative()
        || timeout.isZero()
        || rangeLimit < 1
        || maxDepth < 1
        || maxCollectionSize < 1) {
      throw new BadInputException("render limits must be positive: " + this);
    }
  }

  /** Reads the limits from renderer config keys, defaulting each one. */
  static RenderLimits fromConfig(Map<String, String> config) {
    return new RenderLimits(
        longKey(config, JinjavaRendererProvider.MAX_OUTPUT_CHARS, DEFAULT.maxOutputChars),
        longKey(config, JinjavaRendererProvider.MAX_NODES, DEFAULT.maxNodes),
        Duration.ofMillis(
            longKey(config, JinjavaRendererProvider.TIMEOUT_MS, DEFAULT.timeout.toMillis())),
        (int) longKey(config, JinjavaRendererProvider.RANGE_LIMIT, DEFAULT.rangeLimit),
        (int) longKey(config, JinjavaRendererProvider.MAX_DEPTH, DEFAULT.maxDepth),
        (int)
            longKey(
                config, JinjavaRendererProvider.MAX_COLLECTION_SIZE, DEFAULT.maxCollectionSize));
  }

  private static long longKey(Map<String, String> config, String key, long defaultValue) {
    String v = config.get(key);
    if (v == null || v.isBlank()) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(v.trim());
      if (parsed < 1
          || parsed > Integer.MAX_VALUE && !key.equals(JinjavaRendererProvider.MAX_NODES)) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "renderer setting '" + key + "' must be a positive integer, found '" + v + "'");
    }
  }
}
