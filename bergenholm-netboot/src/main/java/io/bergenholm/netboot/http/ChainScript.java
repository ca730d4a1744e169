package io.bergenholm.netboot.http;

/**
 * The generic iPXE script that any DHCP server (or Bergenholm's TFTP server, as {@code boot.ipxe})
 * can hand out: it fetches the machine's own script by SMBIOS UUID, passing the MAC along for the
 * logs, and retries the fetch rather than dropping to a shell. Fetching and running are two steps:
 * a script that returns with an error (a local boot under UEFI, where iPXE has no BIOS disk to
 * {@code sanboot}, ends with {@code exit 1}) makes iPXE exit with it, so that the firmware boots
 * its next boot option, instead of fetching the same script again forever.
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
        + "imgfetch --name bergenholm-script "
        + baseUrl
        + "/ipxe/script/${uuid}?mac=${net0/mac} || goto failed\n"
        + "imgexec --autofree bergenholm-script || exit 1\n"
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
