package io.bergenholm.netboot.http;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What an unauthenticated self-registration must pass, whichever transport it came by ({@code
 * /ipxe/register} over HTTP, {@code bergenholm/register/<uuid>} over TFTP for GRUB): an allowance
 * per source address (a token bucket: {@code registrationBurst} at once, then {@code
 * registrationsPerMinute}), and a cap on the hosts that registered themselves and still wait for an
 * operator to give them groups. One gate shared by both transports gives an address one allowance.
 */
public final class RegistrationGate {
  private final Bergenholm engine;
  private final RegistrationLimiter limiter;
  private final int maxUnassigned;

  /** A gate with the registration limits of {@code limits}. */
  public RegistrationGate(Bergenholm engine, TransportLimits limits) {
    this.engine = engine;
    this.limiter =
        new RegistrationLimiter(limits.registrationsPerMinute(), limits.registrationBurst());
    this.maxUnassigned = limits.maxUnassignedHosts();
  }

  /**
   * Why a registration is refused.
   *
   * @param message what to tell the client
   * @param retryAfterSeconds when to try again
   */
  public record Refusal(String message, long retryAfterSeconds) {}

  /**
   * Takes one registration of {@code hostId} from {@code source}'s allowance and checks the cap.
   *
   * @return empty if the registration may go ahead, else why not
   */
  public Optional<Refusal> admit(String hostId, InetAddress source) {
    OptionalLong wait = limiter.acquire(source);
    if (wait.isPresent()) {
      return Optional.of(
          new Refusal(
              "too many registrations from "
                  + source.getHostAddress()
                  + "; retry in "
                  + wait.getAsLong()
                  + " s",
              wait.getAsLong()));
    }
    if (engine.host(hostId).isEmpty() && unassigned() >= maxUnassigned) {
      return Optional.of(
          new Refusal(
              maxUnassigned
                  + " registered hosts are waiting for an operator to "
                  + "assign them groups; assign or delete some first",
              60));
    }
    return Optional.empty();
  }

  /**
   * Hosts still only in group {@code default}, as registration leaves them. Only hosts listing
   * {@code default} are read, and only when there are at least as many as the cap.
   */
  private int unassigned() {
    List<String> candidates = engine.listHosts(Map.of(Params.GROUPS, Bergenholm.DEFAULT_GROUP));
    if (candidates.size() < maxUnassigned) {
      return candidates.size();
    }
    int n = 0;
    for (String id : candidates) {
      if (engine
          .host(id)
          .map(h -> h.value().groups().equals(List.of(Bergenholm.DEFAULT_GROUP)))
          .orElse(false)) {
        n++;
      }
    }
    return n;
  }
}
