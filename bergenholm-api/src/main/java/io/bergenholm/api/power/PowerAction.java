package io.bergenholm.api.power;

import io.bergenholm.api.BadInputException;
import java.util.Locale;

/** What a power driver can be asked to do. */
public enum PowerAction {
  /** Switch the machine on. */
  ON,
  /** Switch the machine off, hard. */
  OFF,
  /** Reset the machine (or power-cycle it where the interface has no reset). */
  RESET,
  /** Boot from the network at the next start only (PXE), then return to the usual order. */
  NETWORK_BOOT_NEXT;

  /**
   * The name used on the wire.
   *
   * @return {@code on}, {@code off}, {@code reset} or {@code network_boot_next}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @param value a name as {@link #wireName()} gives it
   * @return the action
   * @throws BadInputException naming the accepted values, if {@code value} is none of them
   */
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
