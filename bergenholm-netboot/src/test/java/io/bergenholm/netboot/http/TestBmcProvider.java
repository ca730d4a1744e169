package io.bergenholm.netboot.http;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in BMC for the HTTP tests (power_driver {@code test-bmc}): the REST layer's mapping of
 * power calls is under test here, not a real management protocol, which the power module tests
 * against real simulators. A host whose {@code test_bmc_fail} is set makes the "BMC" refuse.
 */
public final class TestBmcProvider implements PowerDriverProvider {
  static final Map<String, PowerState> STATES = new ConcurrentHashMap<>();

  /** Every action each host was asked for, in order. */
  static final Map<String, List<PowerAction>> ACTIONS = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "test-bmc";
  }

  @Override
  public Set<String> secretParameters() {
    return Set.of("test_bmc_secret");
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    return new PowerDriver() {
      @Override
      public PowerState status(PowerTarget target) {
        failIfAsked(target);
        return STATES.getOrDefault(target.hostId(), PowerState.OFF);
      }

      @Override
      public void perform(PowerTarget target, PowerAction action) {
        failIfAsked(target);
        ACTIONS.computeIfAbsent(target.hostId(), h -> new CopyOnWriteArrayList<>()).add(action);
        if (action == PowerAction.NETWORK_BOOT_NEXT) {
          return;
        }
        STATES.put(target.hostId(), action == PowerAction.OFF ? PowerState.OFF : PowerState.ON);
      }
    };
  }

  private static void failIfAsked(PowerTarget target) {
    if (target.optional("test_bmc_fail").isPresent()) {
      throw new UpstreamException(
          "BMC of host '" + target.hostId() + "' refused: session limit reached");
    }
  }
}
