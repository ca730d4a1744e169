package io.bergenholm.api.power;

import java.util.Locale;

/** A machine's power state as the REST API reports it: {@code on}, {@code off} or {@code unknown}. */
public enum PowerState {
  ON,
  OFF,
  UNKNOWN;

  /** The lower-case name used on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
