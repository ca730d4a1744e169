package io.bergenholm.engine.event;

import io.bergenholm.api.event.BootEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a host stands, derived from its record and its timeline.
 *
 * @param state {@value #UNKNOWN}, {@value #REGISTERED}, {@value #INSTALLING}, {@value #INSTALLED}
 *     or {@value #LOCAL_BOOT}
 * @param lastSeen the time of its newest event, if any is kept
 */
public record HostStatus(String state, Optional<Instant> lastSeen) {
  /** No host record. */
  public static final String UNKNOWN = "unknown";

  /** A record, and nothing since that says more. */
  public static final String REGISTERED = "registered";

  /** Its last script was an install (it fetched or will fetch kernel and initrd). */
  public static final String INSTALLING = "installing";

  /** Marked installed, by the installer's call or by hand. */
  public static final String INSTALLED = "installed";

  /** Its last script booted it from its own disk, and it is not marked installed. */
  public static final String LOCAL_BOOT = "local-boot";

  public static final List<String> STATES =
      List.of(UNKNOWN, REGISTERED, INSTALLING, INSTALLED, LOCAL_BOOT);

  /**
   * @param known whether the host has a record
   * @param installedGroup whether its own groups hold {@code installed}
   * @param events its events, oldest first
   */
  public static HostStatus derive(boolean known, boolean installedGroup, List<BootEvent> events) {
    Optional<Instant> last =
        events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1).time());
    if (!known) {
      return new HostStatus(UNKNOWN, last);
    }
    for (int i = events.size() - 1; i >= 0; i--) {
      BootEvent e = events.get(i);
      if (!e.outcome().equals(BootEvent.OK)) {
        continue;
      }
      switch (e.kind()) {
        case BootEvent.KIND_HOST_INSTALLED:
          return new HostStatus(INSTALLED, last);
        case BootEvent.KIND_HOST_UNINSTALLED, BootEvent.KIND_HOST_REGISTERED:
          return new HostStatus(REGISTERED, last);
        case BootEvent.KIND_SCRIPT_SERVED:
          String purpose = e.attributes().getOrDefault("purpose", "");
          if (purpose.equals("install")) {
            return new HostStatus(INSTALLING, last);
          }
          if (purpose.equals("local")) {
            return new HostStatus(installedGroup ? INSTALLED : LOCAL_BOOT, last);
          }
          break;
        default:
          break;
      }
    }
    return new HostStatus(installedGroup ? INSTALLED : REGISTERED, last);
  }
}
