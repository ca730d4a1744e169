package io.bergenholm.power.dummy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Power state per host id, in memory. A reset leaves a host on (as a reset of a machine that is off
 * starts it on most BMCs); a network boot request is remembered until the next start consumes it,
 * so that tests can see the same sequence a real machine would go through.
 */
final class DummyDriver implements PowerDriver {
  private static final Logger log = LoggerFactory.getLogger(DummyDriver.class);

  /** What the driver knows of one host. */
  record HostState(PowerState power, boolean networkBootNext, boolean bootedFromNetwork) {}

  private final PowerState initial;
  private final ConcurrentMap<String, HostState> hosts = new ConcurrentHashMap<>();

  DummyDriver(PowerState initial) {
    this.initial = initial;
  }

  static PowerState initialState(String value) {
    // On by default, as the Python project's dummy driver reported every host.
    if (value == null || value.isEmpty() || value.equals("on")) {
      return PowerState.ON;
    }
    if (value.equals("off")) {
      return PowerState.OFF;
    }
    throw new BadInputException(
        "dummy power driver: configuration key 'initial_state' must be 'on' or 'off', found '"
            + value
            + "'");
  }

  @Override
  public PowerState status(PowerTarget target) {
    return state(target.hostId()).power();
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    HostState after =
        hosts.compute(
            target.hostId(),
            (id, before) -> {
              HostState s = before == null ? new HostState(initial, false, false) : before;
              return switch (action) {
                case ON -> s.power() == PowerState.ON ? s : start(s);
                case OFF ->
                    new HostState(PowerState.OFF, s.networkBootNext(), s.bootedFromNetwork());
                case RESET -> start(s);
                case NETWORK_BOOT_NEXT -> new HostState(s.power(), true, s.bootedFromNetwork());
              };
            });
    log.info("dummy power: host {} {} -> {}", target.hostId(), action.wireName(), after);
  }

  private static HostState start(HostState s) {
    return new HostState(PowerState.ON, false, s.networkBootNext());
  }

  /** The state of {@code hostId}, as a fresh host would have it if never switched. */
  HostState state(String hostId) {
    return Optional.ofNullable(hosts.get(hostId)).orElse(new HostState(initial, false, false));
  }
}
