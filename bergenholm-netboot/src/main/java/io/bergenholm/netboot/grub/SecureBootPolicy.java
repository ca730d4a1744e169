package io.bergenholm.netboot.grub;

import io.bergenholm.api.BergenholmException;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.dhcp.ClientIdentity;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxyDHCP's per-host choice: an x86-64 UEFI PXE client (architecture 7 or 9) whose host
 * resolves to {@value #SECURE_BOOT} = true is offered shim instead of iPXE, which firmware with
 * Secure Boot on would refuse. An unknown machine resolves through the {@code register} record, so
 * setting the parameter there sends every unknown UEFI machine down the signed chain.
 */
public final class SecureBootPolicy implements Function<ClientIdentity, Optional<String>> {
  public static final String SECURE_BOOT = "secure_boot";
  private static final Logger log = LoggerFactory.getLogger(SecureBootPolicy.class);

  private final Bergenholm engine;
  private final String shimFile;

  /**
   * @param shimFile the boot file for such hosts, e.g. {@code shimx64.efi} in the TFTP root
   */
  public SecureBootPolicy(Bergenholm engine, String shimFile) {
    this.engine = engine;
    this.shimFile = shimFile;
  }

  @Override
  public Optional<String> apply(ClientIdentity client) {
    if ((client.arch() != 7 && client.arch() != 9) || client.uuid().isEmpty()) {
      return Optional.empty();
    }
    String uuid = client.uuid().get().toString();
    Object value;
    try {
      value = engine.resolveHost(uuid).params().get(SECURE_BOOT).orElse(false);
    } catch (BergenholmException e) {
      log.warn(
          "host {}: cannot tell whether it boots through Secure Boot: {}", uuid, e.getMessage());
      return Optional.empty();
    }
    return enabled(uuid, value) ? Optional.of(shimFile) : Optional.empty();
  }

  /**
   * {@code true} as a JSON boolean or the words true/yes/on; false likewise; anything else is
   * logged and false.
   */
  static boolean enabled(String uuid, Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "true", "yes", "on" -> {
        return true;
      }
      case "false", "no", "off", "" -> {
        return false;
      }
      default -> {
        log.warn(
            "host {}: '{}' must be true or false, found '{}'; booting without Secure Boot",
            uuid,
            SECURE_BOOT,
            value);
        return false;
      }
    }
  }
}
