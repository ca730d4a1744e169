package io.bergenholm.power.ipmi;

import java.time.Duration;

/**
 * How long to wait for each answer from a BMC and how often to send a request again. A request that
 * gets no answer fails after {@code (retries + 1) × timeout}; a BMC that does not answer at all
 * therefore fails the call within that bound.
 */
record IpmiSettings(Duration timeout, int retries) {
  static final IpmiSettings DEFAULTS = new IpmiSettings(Duration.ofSeconds(1), 2);

  IpmiSettings {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (retries < 0) {
      throw new IllegalArgumentException("retries must not be negative");
    }
  }

  int attempts() {
    return retries + 1;
  }
}
