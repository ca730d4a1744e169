package io.bergenholm.power.vmware;

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
 * The {@code vmware} power driver: switches vSphere VMs through a vCenter's (or ESXi's) SOAP API,
 * found by their BIOS UUID (the host id).
 *
 * <p>Host parameters: {@code vmware_host}, {@code vmware_port} (443), {@code vmware_user}, {@code
 * vmware_password}, and optionally {@code vmware_ca_file} (PEM file of CAs to trust instead of the
 * JDK's) and {@code vmware_insecure} ({@code true} to trust any certificate; for labs only).
 *
 * <p>Configuration keys: {@code ca_file} and {@code insecure}, the defaults for the two host
 * parameters above; {@code timeout_seconds} (30), the bound on connecting and on each SOAP call;
 * {@code task_timeout_seconds} (300), the bound on waiting for a vSphere task to finish.
 */
public final class VmwareDriverProvider implements PowerDriverProvider {
  public static final String NAME = "vmware";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> secretParameters() {
    return Set.of("vmware_password");
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    TlsTrust trust =
        new TlsTrust(
            Optional.ofNullable(config.get("ca_file")).filter(s -> !s.isEmpty()).map(Path::of),
            VmwareDriver.flag("configuration key 'insecure'", config.get("insecure")));
    return new VmwareDriver(
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
        "vmware power driver: configuration key '"
            + key
            + "' must be a positive number of seconds, found '"
            + v
            + "'");
  }
}
