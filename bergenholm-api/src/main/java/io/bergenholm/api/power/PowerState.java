package io.bergenholm.api.power;

import java.util.Locale;

/**
 * A machine's power state as the REST API reports it: {@code on}, {@code off} or {@code unknown}.
 */
public enum PowerState {
  /** The machine is on. */
  ON,
  /** The machine is off. */
  OFF,
  /** The management interface could not tell. */
  UNKNOWN;

  /**
   * @return the lower-case name used on the wire: {@code on}, {@code off} or {@code unknown}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
