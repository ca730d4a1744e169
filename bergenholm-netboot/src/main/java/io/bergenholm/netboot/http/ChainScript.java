package io.bergenholm.netboot.http;

/**
 * The generic iPXE script that any DHCP server (or Bergenholm's TFTP server, as {@code boot.ipxe})
 * can hand out: it chains to the machine's own script by SMBIOS UUID, passing the MAC along for the
 * logs, and retries rather than dropping to a shell.
 */
public final class ChainScript {
  private ChainScript() {}

  /**
   * The script for a server reached at {@code baseUrl} ({@code http://host:port}, no trailing
   * slash).
   */
  public static String forBaseUrl(String baseUrl) {
    return "#!ipxe\n"
        + "# Bergenholm: chain to this machine's own script, found by its SMBIOS UUID.\n"
        + "isset ${uuid} || goto no_uuid\n"
        + ":retry\n"
        + "chain --autofree "
        + baseUrl
        + "/ipxe/script/${uuid}?mac=${net0/mac} || goto failed\n"
        + "exit\n"
        + ":no_uuid\n"
        + "echo Bergenholm: this machine reports no SMBIOS UUID; cannot choose a script\n"
        + "sleep 10\n"
        + "exit 1\n"
        + ":failed\n"
        + "echo Bergenholm: fetching the script failed; retrying in 5 seconds\n"
        + "sleep 5\n"
        + "goto retry\n";
  }
}
