package io.bergenholm.netboot.http;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.event.BootEvent;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Boot events as the REST API and the event stream show them. */
final class EventViews {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 5000;

  private EventViews() {}

  /** {@code {"time": RFC 3339, "kind", "host"?, "mac"?, "ip"?, "outcome", "attributes": {…}}}. */
  static Map<String, Object> toJson(BootEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("time", e.time().toString());
    out.put("kind", e.kind());
    e.host().ifPresent(h -> out.put("host", h));
    e.mac().ifPresent(m -> out.put("mac", m));
    e.ip().ifPresent(i -> out.put("ip", i));
    out.put("outcome", e.outcome());
    out.put("attributes", e.attributes());
    return out;
  }

  /** {@code ?since=}: an RFC 3339 time ({@code 2026-11-28T04:00:00Z}, offsets allowed). */
  static Optional<Instant> since(Call call) {
    return call.param("since")
        .map(
            s -> {
              try {
                return OffsetDateTime.parse(s).toInstant();
              } catch (DateTimeParseException e) {
                throw new BadInputException(
                    "since must be an RFC 3339 time such as 2026-01-31T12:00:00Z, found '"
                        + s
                        + "'");
              }
            });
  }

  /** {@code ?limit=}: 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. */
  static int limit(Call call) {
    return call.param("limit")
        .map(
            s -> {
              try {
                int n = Integer.parseInt(s);
                if (n >= 1 && n <= MAX_LIMIT) {
                  return n;
                }
              } catch (NumberFormatException e) {
                // reported below
              }
              throw new BadInputException(
                  "limit must be a number from 1 to " + MAX_LIMIT + ", found '" + s + "'");
            })
        .orElse(DEFAULT_LIMIT);
  }
}
