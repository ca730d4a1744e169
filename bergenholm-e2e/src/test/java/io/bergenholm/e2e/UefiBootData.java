package io.bergenholm.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the UEFI flows boot from, laid out as an operator would: a TFTP folder of symbolic links to
 * the files Debian's packages install, an upstream folder with the kernels and initrds, and a store
 * made of {@link BootData}'s records with the sample data's own templates on top ({@code
 * linux.ipxe}, {@code localboot.ipxe}, {@code register.ipxe}, and the GRUB templates {@code
 * linux.grub}, {@code localboot.grub}, {@code register.grub}), so the flows prove the templates
 * operators start from.
 */
final class UefiBootData {
  static final String SECURE_BOOT_GROUP = "e2e-secureboot";
  static final String INSTALLER_GROUP = "e2e-debian-installer";
  static final String PRESEED = "e2e.preseed";

  /**
   * What the installer's preseed/early_command prints on the console, before and after its call.
   */
  static final String EARLY_COMMAND = "BERGENHOLM-PRESEED-EARLY-COMMAND";

  static final String EARLY_CALLED = "BERGENHOLM-PRESEED-CALLED";

  /** The real Debian installer, package debian-installer-12-netboot-amd64. */
  static final Path INSTALLER =
      Path.of("/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64");

  static final Path SHIM = Path.of("/usr/lib/shim/shimx64.efi.signed");
  static final Path NET_GRUB = Path.of("/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed");
  static final Path DISK_GRUB = Path.of("/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed");

  /** The arm64 boot file: a stand-in (Debian ships no arm64 iPXE), enough to prove the exchange. */
  static final String ARM64_BOOT_FILE = "bootaa64.efi";

  private static final String SAMPLE = "io/bergenholm/server/sample/";

  private UefiBootData() {}

  /** What this machine lacks for these flows, or empty. */
  static java.util.Optional<String> missing() {
    for (Path p : List.of(SHIM, NET_GRUB, DISK_GRUB, Path.of("/usr/lib/ipxe/ipxe.efi"))) {
      if (!Files.exists(p)) {
        return java.util.Optional.of(
            "no " + p + " (Debian packages shim-signed, grub-efi-amd64-signed, ipxe)");
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * The TFTP root: links to Debian's files, as an operator makes it. {@code ipxe.efi} links to
   * {@code /usr/lib/ipxe/ipxe.efi}, itself a link to {@code /boot/ipxe.efi}: both lead out of the
   * folder, which the server follows (they are the administrator's).
   */
  static Path tftpRoot(Path dir) throws IOException {
    Files.createDirectories(dir);
    link(dir.resolve("ipxe.efi"), Path.of("/usr/lib/ipxe/ipxe.efi"));
    link(dir.resolve("undionly.kpxe"), Path.of("/usr/lib/ipxe/undionly.kpxe"));
    link(dir.resolve("shimx64.efi"), SHIM);
    link(dir.resolve("grubx64.efi"), NET_GRUB);
    Files.writeString(
        dir.resolve(ARM64_BOOT_FILE), "a stand-in for an arm64 EFI boot file\n".repeat(64));
    return dir;
  }

  /**
   * The upstream's files: the test kernel and initrd, and the Debian installer's under {@code
   * d-i/}.
   */
  static Path upstream(Path dir, Path images) throws IOException {
    Files.createDirectories(dir.resolve("d-i"));
    Files.copy(images.resolve("vmlinuz"), dir.resolve("vmlinuz"));
    Files.copy(images.resolve("initrd.gz"), dir.resolve("initrd.gz"));
    Files.copy(INSTALLER.resolve("linux"), dir.resolve("d-i/linux"));
    Files.copy(INSTALLER.resolve("initrd.gz"), dir.resolve("d-i/initrd.gz"));
    return dir;
  }

  /**
   * A local disk's EFI system partition whose loader is signed as a distribution installs it (shim
   * as the removable-media loader, Debian's signed GRUB beside it), with a {@code grub.cfg} that
   * prints {@link LocalDisk#MARKER} and resets the machine (QEMU then exits).
   */
  static Path esp(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("EFI/BOOT"));
    Files.createDirectories(dir.resolve("EFI/debian"));
    Files.copy(SHIM, dir.resolve("EFI/BOOT/BOOTX64.EFI"));
    Files.copy(DISK_GRUB, dir.resolve("EFI/BOOT/grubx64.efi"));
    String cfg =
        """
        echo "%s"
        echo "the EFI loader of the local disk ran; resetting the machine"
        sleep 1
        reboot
        """
            .formatted(LocalDisk.MARKER);
    Files.writeString(dir.resolve("EFI/debian/grub.cfg"), cfg);
    Files.writeString(dir.resolve("EFI/BOOT/grub.cfg"), cfg);
    return dir;
  }

  /** The store: {@link BootData}, the sample templates, Secure Boot and installer groups. */
  static Path write(Path dir, String baseUrl, String upstreamUrl) throws IOException {
    BootData.write(dir, baseUrl, upstreamUrl);
    for (String template :
        List.of(
            "linux.ipxe",
            "localboot.ipxe",
            "register.ipxe",
            "linux.grub",
            "localboot.grub",
            "register.grub")) {
      Files.writeString(dir.resolve("templates/" + template), sample("templates/" + template));
    }
    // As in the sample data, group default names localboot.grub: on UEFI the sample register.ipxe
    // hands the machine it registered (now in group default) to network GRUB, to boot its disk.
    Path defaults = dir.resolve("groups/default");
    String withGrub =
        Files.readString(defaults).replaceFirst("\\{", "{\n  \"grub_config\": \"localboot.grub\",");
    if (!withGrub.contains("\"grub_config\"")) {
      throw new IllegalStateException("groups/default is not a JSON object: " + defaults);
    }
    Files.writeString(defaults, withGrub);
    writeFile(
        dir,
        "groups/installed",
        """
        {"ipxe_script": "localboot.ipxe", "grub_config": "localboot.grub"}
        """);
    // Unknown machines go down the signed chain too: one with Secure Boot on can run nothing else.
    writeFile(
        dir,
        "groups/register",
        """
        {"groups": ["default"], "ipxe_script": "register.ipxe", "grub_config": "register.grub", "secure_boot": true}
        """);
    writeFile(
        dir,
        "groups/" + SECURE_BOOT_GROUP,
        """
        {"secure_boot": true, "grub_config": "linux.grub"}
        """);
    // The site's DHCP server names no DNS server, and the installer asks for one before it reads
    // the preseed: the kernel command line answers (the address is never queried).
    writeFile(
        dir,
        "groups/" + INSTALLER_GROUP,
        """
        {
          "groups": ["default"],
          "image_base_url": "%s/d-i",
          "kernel": "{{image_base_url}}/linux",
          "module": "{{image_base_url}}/initrd.gz",
          "preseed": "%s",
          "nameserver": "%s",
          "kernel_opts": "console=ttyS0 auto=true priority=critical locale=en_US.UTF-8 keymap=us hostname=e2e-di domain=localdomain netcfg/get_nameservers={{nameserver}} url={{base_url}}/api/1.0/templates/{{preseed}}/{{uuid}}?boot_token={{boot_token}} ---",
          "ipxe_script": "linux.ipxe"
        }
        """
            .formatted(upstreamUrl, PRESEED, NetnsLab.SITE_IP));
    // The installer runs early_command right after it has loaded and parsed the preseed: it says
    // so on the console and calls the host's installed_url, which the test then sees in the store.
    writeFile(
        dir,
        "templates/" + PRESEED,
        """
        # preseed for {{uuid}}, rendered by Bergenholm
        d-i debian-installer/locale string en_US.UTF-8
        d-i keyboard-configuration/xkb-keymap select us
        d-i netcfg/choose_interface select auto
        d-i netcfg/get_hostname string e2e-di
        d-i netcfg/get_domain string localdomain
        d-i preseed/early_command string echo "%s {{uuid}}" > /dev/console; wget -q -O /dev/null "{{installed_url}}" && echo "%s {{installed_url}}" > /dev/console
        d-i mirror/country string manual
        d-i mirror/http/hostname string deb.debian.org
        d-i mirror/http/directory string /debian
        d-i mirror/http/proxy string
        """
            .formatted(EARLY_COMMAND, EARLY_CALLED));
    return dir;
  }

  private static String sample(String name) throws IOException {
    try (InputStream in = UefiBootData.class.getClassLoader().getResourceAsStream(SAMPLE + name)) {
      if (in == null) {
        throw new IOException("the runner's sample data has no " + name);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static void link(Path link, Path target) throws IOException {
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, target);
  }

  private static void writeFile(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
