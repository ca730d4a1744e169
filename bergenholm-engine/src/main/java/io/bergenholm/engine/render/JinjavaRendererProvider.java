package io.bergenholm.engine.render;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.render.RendererProvider;
import io.bergenholm.api.render.TemplateRenderer;
import java.util.Locale;
import java.util.Map;

/**
 * The default renderer, {@code jinjava}: Jinja templates through HubSpot's Jinjava, sandboxed.
 *
 * <p>Config keys (under {@code renderer.} in the engine's config): {@value #STRICT} ({@code true}
 * makes an undefined variable an error), {@value #MAX_OUTPUT_CHARS}, {@value #MAX_NODES}, {@value
 * #TIMEOUT_MS}, {@value #RANGE_LIMIT}, {@value #MAX_DEPTH}, {@value #MAX_COLLECTION_SIZE} (see
 * {@link RenderLimits}).
 */
public final class JinjavaRendererProvider implements RendererProvider {
  public static final String NAME = "jinjava";
  public static final String STRICT = "strict";
  public static final String MAX_OUTPUT_CHARS = "max_output_chars";
  public static final String MAX_NODES = "max_nodes";
  public static final String TIMEOUT_MS = "timeout_ms";
  public static final String RANGE_LIMIT = "range_limit";
  public static final String MAX_DEPTH = "max_depth";
  public static final String MAX_COLLECTION_SIZE = "max_collection_size";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public TemplateRenderer create(String name, Map<String, String> config, ProviderContext context) {
    return new JinjavaRenderer(
        strict(config), RenderLimits.fromConfig(config), context::storedTemplate);
  }

  private static boolean strict(Map<String, String> config) {
    String v = config.getOrDefault(STRICT, "false").trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off", "" -> false;
      default ->
          throw new BadInputException(
              "renderer setting 'strict' must be true or false, found '" + v + "'");
    };
  }
}
