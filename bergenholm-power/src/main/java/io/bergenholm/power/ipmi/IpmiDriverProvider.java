package io.bergenholm.power.ipmi;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The {@code ipmi} power driver: IPMI v2.0 over LAN (RMCP+) with cipher suite 3 or 17, spoken by
 * the project's own client.
 *
 * <p>Configuration: {@code timeout_ms}, how long to wait for each answer from a BMC (default 1000),
 * and {@code retries}, how often to send an unanswered request again (default 2). A BMC that does
 * not answer fails a call after {@code (retries + 1) × timeout_ms}.
 */
public final class IpmiDriverProvider implements PowerDriverProvider {
  static final String TIMEOUT_MS = "timeout_ms";
  static final String RETRIES = "retries";

  @Override
  public String name() {
    return "ipmi";
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    IpmiSettings defaults = IpmiSettings.DEFAULTS;
    long timeout = number(config, TIMEOUT_MS, defaults.timeout().toMillis(), 1, 600_000);
    long retries = number(config, RETRIES, defaults.retries(), 0, 20);
    return new IpmiDriver(new IpmiSettings(Duration.ofMillis(timeout), (int) retries));
  }

  @Override
  public Set<String> secretParameters() {
    return Set.of("ipmi_password");
  }

  private static long number(
      Map<String, String> config, String key, long fallback, long min, long max) {
    String value = config.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value.trim());
      if (n < min || n > max) {
        throw new BadInputException(
            "ipmi power driver: '"
                + key
                + "' must be between "
                + min
                + " and "
                + max
                + ", found "
                + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "ipmi power driver: '" + key + "' must be a whole number, found '" + value + "'", e);
    }
  }
}
