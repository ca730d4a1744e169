package io.bergenholm.api.power;

import io.bergenholm.api.BadInputException;
import java.util.Locale;

/** What a power driver can be asked to do. */
public enum PowerAction {
  ON,
  OFF,
  RESET,
  /** Boot from the network at the next start only (PXE), then return to the usual order. */
  NETWORK_BOOT_NEXT;

  /** The lower-case name used on the wire ({@code on}, {@code off}, {@code reset}, {@code network_boot_next}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name. @throws BadInputException naming the accepted values */
  public static PowerAction fromWire(String value) {
    for (PowerAction a : values()) {
      if (a.wireName().equals(value)) {
        return a;
      }
    }
    throw new BadInputException(
        "unknown power action '" + value + "': expected on, off, reset or network_boot_next");
  }
}
