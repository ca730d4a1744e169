package io.bergenholm.engine;

import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.render.RenderException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Small helpers that keep the engine's event calls one line each. */
final class EventTimes {
  private EventTimes() {}

  static String millisSince(long startNanos) {
    return String.valueOf(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  /** The string values of a parameter map (lists and other values as their text). */
  static Map<String, String> strings(Map<String, Object> values) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  /**
   * The event for a failed boot step: a render error names the template line, a store that cannot
   * be reached is a store error, anything else (an unknown template, bad parameters) an error of
   * the step itself.
   */
  static BootEvent failure(String hostId, String template, RuntimeException e, long startNanos) {
    String kind =
        e instanceof RenderException
            ? BootEvent.KIND_RENDER_ERROR
            : e instanceof UnavailableException
                ? BootEvent.KIND_STORE_ERROR
                : BootEvent.KIND_SCRIPT_SERVED;
    return BootEvent.of(
        kind,
        hostId,
        BootEvent.ERROR,
        Map.of(
            "template",
            template,
            "error",
            String.valueOf(e.getMessage()),
            "duration_ms",
            millisSince(startNanos)));
  }
}
