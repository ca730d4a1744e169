package io.bergenholm.api.power;

/**
 * Switches machines on and off through their management interface (a BMC, a hypervisor). One
 * driver instance serves every host that names it in {@code power_driver}; what to talk to comes
 * from each call's {@link PowerTarget}. Implementations are thread-safe and never block longer than
 * their configured timeout.
 *
 * <p>Errors: a missing or malformed parameter is a {@link io.bergenholm.api.BadInputException}
 * naming host and key; a management interface that refuses, fails to authenticate or does not
 * answer in time is an {@link io.bergenholm.api.UpstreamException} carrying its reason (never a
 * password); a machine the interface does not know is a {@link
 * io.bergenholm.api.NotFoundException}.
 */
public interface PowerDriver extends AutoCloseable {
  /**
   * Asks the management interface for the machine's power state.
   *
   * @param target the machine and its resolved parameters
   * @return its state
   */
  PowerState status(PowerTarget target);

  /**
   * Asks the management interface to do something to the machine, and returns once it accepted.
   *
   * @param target the machine and its resolved parameters
   * @param action what to do
   */
  void perform(PowerTarget target, PowerAction action);

  /** Releases sessions and connections. */
  @Override
  default void close() {}
}
