package io.bergenholm.power.redfish;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.power.tls.TlsTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code redfish} power driver: switches machines through their BMC's Redfish service over
 * HTTPS, with TLS verification on.
 *
 * <p>Host parameters: {@code redfish_host}, {@code redfish_port} (443), {@code redfish_user},
 * {@code redfish_password}; optionally {@code redfish_system} (the ComputerSystem's id, or its
 * path; by default the system whose UUID is the host id), {@code redfish_ca_file} (PEM file of CAs
 * to trust instead of the JDK's), {@code redfish_insecure} ({@code true} to trust any certificate;
 * for labs only), {@code redfish_auth} ({@code session}, the default, or {@code basic}), {@code
 * redfish_boot_target} ({@code Pxe}, the default, or {@code UefiHttp}) and {@code
 * redfish_boot_mode} ({@code UEFI} or {@code Legacy}; by default the BMC's current one).
 *
 * <p>Configuration keys: {@code ca_file} and {@code insecure}, the defaults for the two host
 * parameters; {@code timeout_seconds} (30), the bound on each HTTP call; {@code
 * task_timeout_seconds} (300), the bound on waiting for a BMC task to finish.
 */
public final class RedfishDriverProvider implements PowerDriverProvider {
  public static final String NAME = "redfish";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> secretParameters() {
    return Set.of("redfish_password");
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    TlsTrust trust =
        new TlsTrust(
            Optional.ofNullable(config.get("ca_file")).filter(s -> !s.isEmpty()).map(Path::of),
            RedfishDriver.flag(
                "redfish power driver: configuration key 'insecure'", config.get("insecure")));
    return new RedfishDriver(
        trust,
        seconds(config, "timeout_seconds", 30),
        seconds(config, "task_timeout_seconds", 300));
  }

  private static Duration seconds(Map<String, String> config, String key, int defaultValue) {
    String v = config.get(key);
    if (v == null || v.isEmpty()) {
      return Duration.ofSeconds(defaultValue);
    }
    try {
      double s = Double.parseDouble(v.trim());
      if (s > 0) {
        return Duration.ofMillis((long) (s * 1000));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadInputException(
        "redfish power driver: configuration key '"
            + key
            + "' must be a positive number of seconds, found '"
            + v
            + "'");
  }
}
