package io.bergenholm.api.power;

/**
 * Switches machines on and off through their management interface (a BMC, a hypervisor). One driver
 * instance serves every host that names it in {@code power_driver}; what to talk to comes from each
 * call's {@link PowerTarget}. Implementations are thread-safe and never block longer than their
 * configured timeout.
 *
 * <p>Error contract of {@link #status} and {@link #perform}:
 *
 * <ul>
 *   <li><b>bad input</b>: a missing or malformed parameter is a {@link
 *       io.bergenholm.api.BadInputException} naming host and key;
 *   <li><b>not found</b>: a machine the management interface does not know (no such domain, VM or
 *       BMC user) is a {@link io.bergenholm.api.NotFoundException} naming it;
 *   <li><b>unavailable</b>: a management interface that refuses, fails to authenticate or does not
 *       answer in time is an {@link io.bergenholm.api.UpstreamException} carrying its reason (never
 *       a password); the call may be retried;
 *   <li><b>conflict</b>: an action the machine cannot take in its state (such as {@code reset}
 *       while off) is reported by the interface as a refusal, hence an {@link
 *       io.bergenholm.api.UpstreamException}; drivers do not invent their own conflicts.
 * </ul>
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
