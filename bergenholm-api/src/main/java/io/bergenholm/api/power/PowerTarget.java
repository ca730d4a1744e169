package io.bergenholm.api.power;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine a power call is about: its host id and its resolved (inherited and expanded)
 * parameters, from which a driver reads its reserved keys ({@code ipmi_host}, {@code libvirt_url},
 * …).
 */
public record PowerTarget(String hostId, Params params) {
  public PowerTarget {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(params, "params");
  }

  /** A string parameter, or empty if absent. @throws BadInputException if it is not a string */
  public Optional<String> optional(String key) {
    Optional<Object> v = params.get(key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Object value = v.get();
    if (value instanceof String s) {
      return Optional.of(s);
    }
    if (value instanceof Number || value instanceof Boolean) {
      return Optional.of(value.toString());
    }
    throw new BadInputException("host '" + hostId + "': parameter '" + key + "' must be a string");
  }

  /** A string parameter the driver cannot do without. @throws BadInputException naming host and key */
  public String required(String key) {
    return optional(key)
        .filter(s -> !s.isEmpty())
        .orElseThrow(() -> new BadInputException(
            "host '" + hostId + "': parameter '" + key + "' is required by its power driver"));
  }

  /** An integer parameter with a default. @throws BadInputException naming host and key */
  public int integer(String key, int defaultValue) {
    Optional<String> s = optional(key);
    if (s.isEmpty() || s.get().isEmpty()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(s.get().trim());
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "host '" + hostId + "': parameter '" + key + "' must be an integer, found '" + s.get() + "'");
    }
  }
}
