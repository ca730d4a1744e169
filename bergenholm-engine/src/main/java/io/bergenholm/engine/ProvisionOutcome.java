package io.bergenholm.engine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one reinstall did to one host, step by step, so that an answer never hides a half-done
 * change: {@link #done()} lists the steps that took effect, in order; {@link #failedStep()} names
 * the step that failed, with the reason in {@link #error()}; steps after it were not tried.
 *
 * @param hostId the host
 * @param status an HTTP-style status: 200 when every step took effect, otherwise the failure's (400
 *     bad input, 404 unknown host, 412 stale version, 502 the BMC or hypervisor refused, 503
 *     unavailable, 500 anything else)
 * @param done the steps that took effect: {@code groups} (groups set, {@code installed} cleared),
 *     {@code network_boot_next}, then {@code reset} (it was on) or {@code on} (it was off)
 * @param failedStep the step that failed, if one did
 * @param error the failure's message, if one failed
 * @param groups the host's groups after the call, if the groups step took effect
 * @param version the host record's version after the groups step, if it took effect
 */
public record ProvisionOutcome(
    String hostId,
    int status,
    List<String> done,
    Optional<String> failedStep,
    Optional<String> error,
    Optional<List<String>> groups,
    Optional<String> version) {
  public static final String GROUPS = "groups";
  public static final String NETWORK_BOOT_NEXT = "network_boot_next";
  public static final String RESET = "reset";
  public static final String ON = "on";

  public ProvisionOutcome {
    Objects.requireNonNull(hostId, "hostId");
    done = List.copyOf(done);
    Objects.requireNonNull(failedStep, "failedStep");
    Objects.requireNonNull(error, "error");
    groups = groups.map(List::copyOf);
    Objects.requireNonNull(version, "version");
  }

  /** Whether every step took effect. */
  public boolean ok() {
    return failedStep.isEmpty();
  }

  /**
   * Whether some step took effect and a later one failed: the host is changed but not reinstalling.
   */
  public boolean partial() {
    return !ok() && !done.isEmpty();
  }
}
