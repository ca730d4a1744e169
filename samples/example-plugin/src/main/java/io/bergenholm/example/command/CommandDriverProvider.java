package io.bergenholm.example.command;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code command} power driver: runs a program of the operator's for each power call, as {@code
 * <program> <action> <host id>} with {@code action} one of {@code status}, {@code on}, {@code off},
 * {@code reset} and {@code network_boot_next}.
 *
 * <p>The program gets the host's resolved parameters in its environment, each string, number or
 * boolean parameter {@code key} as {@code BERGENHOLM_PARAM_<KEY>} (upper case, characters other
 * than letters and digits turned into {@code _}), plus {@code BERGENHOLM_HOST_ID} and {@code
 * BERGENHOLM_ACTION}. For {@code status} it prints {@code on}, {@code off} or {@code unknown}. Exit
 * status 0 means done; 4 means the program does not know the host; anything else is a failure, and
 * the last line the program wrote to its standard error is the reason reported.
 *
 * <p>Configuration keys: {@code program} (the default for hosts without {@code power_command}),
 * {@code timeout_seconds} (30; a program still running then is killed and the call fails).
 */
public final class CommandDriverProvider implements PowerDriverProvider {
  @Override
  public String name() {
    return "command";
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    Optional<String> program = Optional.ofNullable(config.get("program")).filter(s -> !s.isEmpty());
    String t = config.getOrDefault("timeout_seconds", "30");
    long millis;
    try {
      millis = (long) (Double.parseDouble(t) * 1000);
    } catch (NumberFormatException e) {
      millis = -1;
    }
    if (millis <= 0) {
      throw new BadInputException(
          "command power driver: 'timeout_seconds' must be a positive number, found '" + t + "'");
    }
    return new CommandDriver(program, Duration.ofMillis(millis));
  }
}
