package io.bergenholm.netboot.http;

/**
 * Who may call the two boot-side routes that act on one host: {@code GET|HEAD
 * /api/1.0/hosts/<id>?installed=mark|unmark} and {@code GET /api/1.0/templates/<name>/<id>} (a
 * rendered kickstart carries the root password hash). Secure by default: a management token (read
 * for templates, read-write for marking), or the host's own boot credential, the {@code boot_token}
 * parameter that the server renders into the URLs it gives that host, passed back as {@code
 * ?boot_token=}.
 *
 * @param openInstalled compatibility with the old project: anyone may mark or unmark any host.
 *     Risk: any machine on the network can make an installed host reinstall itself on its next PXE
 *     boot, or stop self-registration by marking {@code register}.
 * @param openTemplateReads compatibility with the old project: anyone may read any host's rendered
 *     templates. Risk: anyone who knows or guesses a host id reads its kickstart, root password
 *     hash and every other value rendered into it.
 */
public record BootAccess(boolean openInstalled, boolean openTemplateReads) {
  /** The query parameter that carries a host's boot credential. */
  public static final String QUERY_PARAMETER = "boot_token";

  /** Both routes need a token or the host's credential. */
  public static BootAccess secure() {
    return new BootAccess(false, false);
  }
}
