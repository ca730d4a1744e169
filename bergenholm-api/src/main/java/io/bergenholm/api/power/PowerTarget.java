package io.bergenholm.api.power;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine a power call is about: its host id and its resolved (inherited and expanded)
 * parameters, from which a driver reads its reserved keys ({@code ipmi_host}, {@code libvirt_url},
 * …).
 *
 * @param hostId the host's id
 * @param params its resolved parameters
 */
public record PowerTarget(String hostId, Params params) {
  /**
   * Checks that no component is null.
   *
   * @param hostId the host's id
   * @param params its resolved parameters
   */
  public PowerTarget {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(params, "params");
  }

  /**
   * A string parameter; numbers and booleans count as their text.
   *
   * @param key the parameter's name
   * @return its value, or empty if absent
   * @throws BadInputException if it is a list or a map
   */
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

  /**
   * A string parameter the driver cannot do without.
   *
   * @param key the parameter's name
   * @return its value, never empty
   * @throws BadInputException naming host and key, if it is absent, empty or not a string
   */
  public String required(String key) {
    return optional(key)
        .filter(s -> !s.isEmpty())
        .orElseThrow(
            () ->
                new BadInputException(
                    "host '"
                        + hostId
                        + "': parameter '"
                        + key
                        + "' is required by its power driver"));
  }

  /**
   * An integer parameter with a default.
   *
   * @param key the parameter's name
   * @param defaultValue the value when the parameter is absent or empty
   * @return its value
   * @throws BadInputException naming host and key, if it is not an integer
   */
  public int integer(String key, int defaultValue) {
    Optional<String> s = optional(key);
    if (s.isEmpty() || s.get().isEmpty()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(s.get().trim());
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "host '"
              + hostId
              + "': parameter '"
              + key
              + "' must be an integer, found '"
              + s.get()
              + "'");
    }
  }
}
