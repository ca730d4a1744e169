package io.bergenholm.netboot.http;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.BootCredentials;
import java.util.Optional;

/**
 * The check for the two boot-side routes that act on one host (see {@link BootAccess}): a
 * management token, or a boot credential of that host in {@code ?boot_token=} (issued to this
 * address's segment, still within its lifetime and not spent), unless the compatibility setting
 * opens the route. A boot credential only ever marks a host installed; unmarking, which makes a
 * machine reinstall itself at its next boot, takes a read-write token.
 */
final class HostAccess {
  private final Bergenholm engine;
  private final BootCredentials credentials;
  private final BootAccess settings;

  HostAccess(Bergenholm engine, BootAccess settings) {
    this.engine = engine;
    this.credentials = engine.bootCredentials();
    this.settings = settings;
  }

  /**
   * For {@code ?installed=mark|unmark}: a read-write token or, to mark, the host's credential.
   *
   * @return the credential that allowed it, which the caller spends once the host is marked
   */
  Optional<String> checkMark(Call call, String hostId, boolean mark) {
    if (settings.openInstalled() || call.canWrite()) {
      return Optional.empty();
    }
    if (!mark) {
      throw new Forbidden(
          "unmarking host '"
              + hostId
              + "' (its next boot reinstalls it) needs a read-write management bearer token; a"
              + " boot credential only marks a host installed");
    }
    return Optional.of(credential(call, hostId, "marking host '" + hostId + "' installed"));
  }

  /**
   * For a rendered template: any management token or the host's credential.
   *
   * @return the credential that allowed it, to be passed on in the text served
   */
  Optional<String> checkRead(Call call, String hostId) {
    if (call.access().isPresent()) {
      return Optional.empty();
    }
    if (settings.openTemplateReads()) {
      // Open to anyone; a good credential that came along is still passed on in the text.
      return call.param(BootAccess.QUERY_PARAMETER)
          .filter(
              t ->
                  engine.checkBootCredential(hostId, t, call.source())
                      == BootCredentials.Verdict.VALID);
    }
    return Optional.of(
        credential(call, hostId, "reading a template rendered for host '" + hostId + "'"));
  }

  private String credential(Call call, String hostId, String what) {
    Optional<String> presented = call.param(BootAccess.QUERY_PARAMETER);
    if (presented.isEmpty()) {
      throw new Forbidden(
          what
              + " needs that host's boot credential (?"
              + BootAccess.QUERY_PARAMETER
              + "=, which the server renders into the URLs it gives the booting host) or a"
              + " management bearer token");
    }
    String token = presented.get();
    BootCredentials.Verdict verdict = engine.checkBootCredential(hostId, token, call.source());
    String why =
        switch (verdict) {
          case VALID -> null;
          case INVALID -> "the " + BootAccess.QUERY_PARAMETER + " given is not one";
          case OTHER_ADDRESS ->
              "the one given was issued to "
                  + credentials.boundTo(token).orElse("another address")
                  + ", not to "
                  + call.source().getHostAddress();
          case EXPIRED ->
              "the one given is older than its lifetime of "
                  + credentials.lifetime().toMinutes()
                  + " minutes; boot the machine again for a new one";
          case SPENT ->
              "the one given was issued before the host was marked installed, which retired it";
        };
    if (why != null) {
      throw new Forbidden(
          what + " needs a boot credential of that host or a management bearer token: " + why);
    }
    return token;
  }
}
