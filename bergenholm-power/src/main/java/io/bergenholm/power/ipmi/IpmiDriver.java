package io.bergenholm.power.ipmi;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a machine's BMC over IPMI v2.0 (RMCP+). Each call opens its own session and closes it
 * before returning, so calls from many threads never share state, and no session is left open on
 * the BMC (they have only a handful of slots).
 *
 * <p>Host parameters: {@code ipmi_host}, {@code ipmi_port} (623), {@code ipmi_user}, {@code
 * ipmi_password}, and optionally {@code ipmi_cipher_suite} (3 or 17; 3), {@code ipmi_privilege}
 * ({@code administrator} or {@code operator}; administrator) and {@code ipmi_boot_mode} ({@code
 * legacy} or {@code efi}, for network boot; legacy, as {@code ipmitool chassis bootdev pxe}).
 */
final class IpmiDriver implements PowerDriver {
  private static final Logger log = LoggerFactory.getLogger(IpmiDriver.class);

  private final IpmiSettings settings;

  IpmiDriver(IpmiSettings settings) {
    this.settings = settings;
  }

  @Override
  public PowerState status(PowerTarget target) {
    boolean on = inSession(target, "status", chassis -> chassis.powerIsOn());
    return on ? PowerState.ON : PowerState.OFF;
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    boolean efi = action == PowerAction.NETWORK_BOOT_NEXT && efiBoot(target);
    inSession(
        target,
        action.wireName(),
        chassis -> {
          switch (action) {
            case ON -> chassis.control(Chassis.Control.POWER_UP);
            case OFF -> chassis.control(Chassis.Control.POWER_DOWN);
            case RESET -> chassis.control(Chassis.Control.HARD_RESET);
            case NETWORK_BOOT_NEXT -> chassis.setNetworkBootNext(efi);
          }
          return Boolean.TRUE;
        });
  }

  private <T> T inSession(PowerTarget target, String what, Function<Chassis, T> work) {
    BmcEndpoint endpoint = endpoint(target);
    long started = System.nanoTime();
    T result;
    try (IpmiSession session = IpmiSession.open(endpoint, settings)) {
      result = work.apply(new Chassis(session));
    }
    log.info(
        "ipmi {} for host '{}' via {}: done in {} ms",
        what,
        target.hostId(),
        endpoint,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return result;
  }

  static BmcEndpoint endpoint(PowerTarget target) {
    String host = target.required("ipmi_host");
    int port = target.integer("ipmi_port", BmcEndpoint.DEFAULT_PORT);
    if (port < 1 || port > 65535) {
      throw bad(target, "ipmi_port", "must be a UDP port between 1 and 65535, found " + port);
    }
    String user = target.required("ipmi_user");
    if (user.getBytes(StandardCharsets.UTF_8).length > Rakp.MAX_USER_BYTES) {
      throw bad(target, "ipmi_user", "is longer than IPMI's 16 bytes");
    }
    String password =
        target
            .optional("ipmi_password")
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host '"
                            + target.hostId()
                            + "': parameter 'ipmi_password' is required by its power driver"));
    if (password.getBytes(StandardCharsets.UTF_8).length > Rakp.MAX_PASSWORD_BYTES) {
      // the value itself is never repeated
      throw bad(target, "ipmi_password", "is longer than IPMI v2.0's 20 bytes");
    }
    int suiteId = target.integer("ipmi_cipher_suite", 3);
    CipherSuite suite =
        CipherSuite.byId(suiteId)
            .orElseThrow(
                () -> bad(target, "ipmi_cipher_suite", "must be 3 or 17, found " + suiteId));
    String privilege =
        target.optional("ipmi_privilege").orElse("administrator").toLowerCase(Locale.ROOT);
    int level =
        switch (privilege) {
          case "administrator", "admin" -> BmcEndpoint.PRIVILEGE_ADMINISTRATOR;
          case "operator" -> BmcEndpoint.PRIVILEGE_OPERATOR;
          default ->
              throw bad(
                  target,
                  "ipmi_privilege",
                  "must be administrator or operator, found '" + privilege + "'");
        };
    return new BmcEndpoint(host, port, user, password, suite, level);
  }

  private static boolean efiBoot(PowerTarget target) {
    String mode = target.optional("ipmi_boot_mode").orElse("legacy").toLowerCase(Locale.ROOT);
    return switch (mode) {
      case "legacy" -> false;
      case "efi", "uefi" -> true;
      default -> throw bad(target, "ipmi_boot_mode", "must be legacy or efi, found '" + mode + "'");
    };
  }

  private static BadInputException bad(PowerTarget target, String key, String problem) {
    return new BadInputException(
        "host '" + target.hostId() + "': parameter '" + key + "' " + problem);
  }
}
