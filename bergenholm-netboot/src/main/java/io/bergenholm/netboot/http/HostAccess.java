package io.bergenholm.netboot.http;

import io.bergenholm.engine.BootCredentials;

/**
 * The check for the two boot-side routes that act on one host (see {@link BootAccess}): a
 * management token, or that host's own boot credential in {@code ?boot_token=}, unless the
 * compatibility setting opens the route.
 */
final class HostAccess {
  private final BootCredentials credentials;
  private final BootAccess settings;

  HostAccess(BootCredentials credentials, BootAccess settings) {
    this.credentials = credentials;
    this.settings = settings;
  }

  /** For {@code ?installed=mark|unmark}: a read-write token or the host's credential. */
  void checkMark(Call call, String hostId) {
    if (settings.openInstalled() || call.canWrite() || hasCredential(call, hostId)) {
      return;
    }
    throw refused(call, "marking host '" + hostId + "' installed or not");
  }

  /** For a rendered template: any management token or the host's credential. */
  void checkRead(Call call, String hostId) {
    if (settings.openTemplateReads() || call.access().isPresent() || hasCredential(call, hostId)) {
      return;
    }
    throw refused(call, "reading a template rendered for host '" + hostId + "'");
  }

  private boolean hasCredential(Call call, String hostId) {
    return call.param(BootAccess.QUERY_PARAMETER)
        .map(t -> credentials.verify(hostId, t))
        .orElse(false);
  }

  private static Forbidden refused(Call call, String what) {
    boolean presented = call.param(BootAccess.QUERY_PARAMETER).isPresent();
    return new Forbidden(
        what
            + " needs "
            + (presented
                ? "that host's boot credential; the "
                    + BootAccess.QUERY_PARAMETER
                    + " given is not it"
                : "that host's boot credential (?"
                    + BootAccess.QUERY_PARAMETER
                    + "=, which the server "
                    + "renders into the URLs it gives the host)")
            + " or a management bearer token");
  }
}
