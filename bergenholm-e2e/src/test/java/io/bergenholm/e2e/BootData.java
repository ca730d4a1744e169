package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The directory store the end-to-end servers boot from: the old project's three iPXE templates
 * ({@code linux.ipxe}, {@code localboot.ipxe}, {@code register.ipxe}, unchanged in shape), an
 * install group whose kernel and initrd live on a separate upstream server and whose kernel options
 * name a per-host kickstart and the host's {@code installed_url} (which the test initrd calls, as a
 * kickstart's {@code %post} would), the {@code register} host and group, and the {@code installed}
 * group.
 */
final class BootData {
  static final String INSTALL_GROUP = "e2e-install";

  /**
   * Added after {@link #INSTALL_GROUP}, it makes the first boot stage chain {@code undionly.kpxe}
   * from Bergenholm's TFTP server before installing (see {@code via-undionly.ipxe}).
   */
  static final String VIA_UNDIONLY_GROUP = "e2e-via-undionly";

  static final String KICKSTART = "e2e.ks";

  private BootData() {}

  /**
   * Writes the store into {@code dir}.
   *
   * @param baseUrl how the booting machine reaches Bergenholm's HTTP side
   * @param upstreamUrl where Bergenholm fetches {@code vmlinuz} and {@code initrd.gz}
   */
  static Path write(Path dir, String baseUrl, String upstreamUrl) throws IOException {
    writeFile(
        dir,
        "groups/default",
        """
        {
          "base_url": "%s",
          "ipxe_url": "{{base_url}}/ipxe",
          "installed_url": "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark&boot_token={{boot_token}}",
          "ipxe_script": "localboot.ipxe"
        }
        """
            .formatted(baseUrl));
    writeFile(
        dir,
        "groups/register",
        """
        {"groups": ["default"], "ipxe_script": "register.ipxe"}
        """);
    writeFile(
        dir,
        "groups/installed",
        """
        {"ipxe_script": "localboot.ipxe"}
        """);
    writeFile(
        dir,
        "groups/" + INSTALL_GROUP,
        """
        {
          "groups": ["default"],
          "image_base_url": "%s",
          "kernel": "{{image_base_url}}/vmlinuz",
          "module": "{{image_base_url}}/initrd.gz",
          "kickstart": "%s",
          "kernel_opts": "console=ttyS0 panic=-1 ks={{base_url}}/api/1.0/templates/{{kickstart}}/{{uuid}}?boot_token={{boot_token}} e2e.host={{uuid}} e2e.installed={{installed_url}}",
          "ipxe_script": "linux.ipxe"
        }
        """
            .formatted(upstreamUrl, KICKSTART));
    writeFile(
        dir,
        "groups/" + VIA_UNDIONLY_GROUP,
        """
        {"ipxe_script": "via-undionly.ipxe"}
        """);
    writeFile(
        dir,
        "hosts/register",
        """
        {"groups": ["register"]}
        """);
    writeFile(
        dir,
        "templates/linux.ipxe",
        """
        #!ipxe
        {%- if module is defined %}
        module --name module0 {{ipxe_url}}/module/${uuid}
        {%- endif %}
        {%- if kernel is defined %}
        kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}
        {%- endif %}
        boot
        """);
    // QEMU's NIC ROM is already iPXE, so the proxyDHCP sends it straight to the HTTP script and a
    // BIOS PXE client's first step (undionly.kpxe over TFTP) would never happen. This script takes
    // that step itself: in the ROM it chains undionly.kpxe from the TFTP server the proxyDHCP
    // offer named; undionly.kpxe (iPXE driving the NIC through the ROM's UNDI, hence chip
    // "undionly") asks DHCP and proxyDHCP again, comes back here, and installs.
    writeFile(
        dir,
        "templates/via-undionly.ipxe",
        """
        #!ipxe
        iseq ${net0/chip} undionly && goto install ||
        echo ===== Stage 1 (${net0/chip}): chaining undionly.kpxe from TFTP server ${proxydhcp/next-server} =====
        chain tftp://${proxydhcp/next-server}/undionly.kpxe || exit 1
        :install
        echo ===== Stage 2 (${net0/chip}): installing {{uuid}} =====
        module --name module0 {{ipxe_url}}/module/${uuid}
        kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}
        boot
        """);
    writeFile(
        dir,
        "templates/localboot.ipxe",
        """
        #!ipxe
        echo ===== System UUID is ${uuid} =====
        echo ===== Trying boot from local disk =====
        sanboot --no-describe --drive 0x80
        """);
    writeFile(
        dir,
        "templates/register.ipxe",
        """
        #!ipxe
        echo ===== System UUID is ${uuid} =====
        echo ===== Registering this host to Bergenholm =====
        imgfetch {{ipxe_url}}/register/${uuid}?manufacturer=${manufacturer}&product=${product}&serial=${serial}&asset=${asset}&hostname=${hostname}
        imgfree
        echo ===== Registered; trying boot from local disk =====
        sanboot --no-describe --drive 0x80
        """);
    writeFile(
        dir,
        "templates/" + KICKSTART,
        """
        # kickstart for {{uuid}}
        url --url {{image_base_url}}
        %post
        curl -s '{{installed_url}}'
        %end
        """);
    return dir;
  }

  /**
   * A boot credential as it appears in a URL: issue time (base 36), the bound subnet (8 or 32
   * hexadecimal digits), the signature (43 URL-safe base64 characters).
   */
  static final String TOKEN = "[0-9a-z]{1,12}\\.(?:[0-9a-f]{8}|[0-9a-f]{32})\\.[A-Za-z0-9_-]{43}";

  /**
   * The kernel command line the initrd echoes: {@code ks=} with the host's boot credential, then
   * {@code e2e.host=}, each quoted except the credential.
   */
  static java.util.regex.Pattern cmdline(String base, String uuid) {
    return java.util.regex.Pattern.compile(
        java.util.regex.Pattern.quote(
                "CMDLINE: console=ttyS0 panic=-1 ks="
                    + base
                    + "/api/1.0/templates/"
                    + KICKSTART
                    + "/"
                    + uuid
                    + "?boot_token=")
            + TOKEN
            + java.util.regex.Pattern.quote(" e2e.host=" + uuid));
  }

  private static void writeFile(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
