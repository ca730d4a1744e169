package io.bergenholm.api;

import java.util.Objects;

/**
 * A record as read from a store, with the version that a conditional write must name. The version
 * is opaque: equal versions mean equal content, and it is safe to send as an HTTP entity tag.
 *
 * @param name the record's name
 * @param value the record's content
 * @param version the version of that content
 * @param <T> the type of the content
 */
public record Versioned<T>(String name, T value, String version) {
  /**
   * Checks that no component is null.
   *
   * @param name the record's name
   * @param value the record's content
   * @param version the version of that content
   */
  public Versioned {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(version, "version");
  }
}
