package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The directory store the end-to-end servers boot from: the old project's three iPXE templates
 * (unchanged in shape), an install group whose kernel and initrd live on a separate upstream
 * server, and the register/installed groups.
 */
final class BootData {
  static final String INSTALL_GROUP = "e2e-install";

  private BootData() {}

  /**
   * Writes the store into {@code dir}.
   *
   * @param baseUrl how the booting machine reaches Bergenholm's HTTP side
   * @param upstreamUrl where Bergenholm fetches {@code vmlinuz} and {@code initrd.gz}
   */
  static Path write(Path dir, String baseUrl, String upstreamUrl) throws IOException {
    writeFile(dir, "groups/default", """
        {
          "base_url": "%s",
          "ipxe_url": "{{base_url}}/ipxe",
          "installed_url": "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark",
          "ipxe_script": "localboot.ipxe"
        }
        """.formatted(baseUrl));
    writeFile(dir, "groups/register", """
        {"groups": ["default"], "ipxe_script": "register.ipxe"}
        """);
    writeFile(dir, "groups/installed", """
        {"ipxe_script": "localboot.ipxe"}
        """);
    writeFile(dir, "groups/" + INSTALL_GROUP, """
        {
          "groups": ["default"],
          "image_base_url": "%s",
          "kernel": "{{image_base_url}}/vmlinuz",
          "module": "{{image_base_url}}/initrd.gz",
          "kickstart": "e2e.ks",
          "kernel_opts": "console=ttyS0 panic=-1 ks={{base_url}}/api/1.0/templates/{{kickstart}}/{{uuid}} e2e.host={{uuid}}",
          "ipxe_script": "linux.ipxe"
        }
        """.formatted(upstreamUrl));
    writeFile(dir, "hosts/register", """
        {"groups": ["register"]}
        """);
    writeFile(dir, "templates/linux.ipxe", """
        #!ipxe
        {%- if module is defined %}
        module --name module0 {{ipxe_url}}/module/${uuid}
        {%- endif %}
        {%- if kernel is defined %}
        kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}
        {%- endif %}
        boot
        """);
    writeFile(dir, "templates/localboot.ipxe", """
        #!ipxe
        echo ===== System UUID is ${uuid} =====
        echo ===== Trying boot from local disk =====
        sanboot --no-describe --drive 0x80
        """);
    writeFile(dir, "templates/register.ipxe", """
        #!ipxe
        echo ===== System UUID is ${uuid} =====
        echo ===== Registering this host to Bergenholm =====
        imgfetch {{ipxe_url}}/register/${uuid}?manufacturer=${manufacturer}&product=${product}&serial=${serial}&asset=${asset}&hostname=${hostname}
        imgfree
        echo ===== Registered; trying boot from local disk =====
        sanboot --no-describe --drive 0x80
        """);
    writeFile(dir, "templates/e2e.ks", """
        # kickstart for {{uuid}}
        url --url {{image_base_url}}
        %post
        curl -s '{{installed_url}}'
        %end
        """);
    return dir;
  }

  private static void writeFile(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
