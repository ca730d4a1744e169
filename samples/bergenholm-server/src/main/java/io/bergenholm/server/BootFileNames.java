package io.bergenholm.server;

import io.bergenholm.netboot.tftp.TftpRoot;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The boot file the proxyDHCP offers per architecture, from {@code serve}'s flags or config keys
 * (flag names without the dashes): {@code bios-boot-file}, {@code uefi-boot-file}, {@code
 * http-boot-file}, {@code arm64-boot-file}, {@code secure-boot-file}.
 *
 * @param bios BIOS PXE (architecture 0)
 * @param uefi x86-64 UEFI PXE (7 and 9)
 * @param http UEFI HTTP Boot (16): a file name served as {@code /ipxe/NAME}, or a URL
 * @param arm64 arm64 UEFI PXE (11)
 * @param secureBoot hosts with {@code secure_boot: true}: shim, with GRUB beside it as {@value
 *     #GRUB}
 */
record BootFileNames(String bios, String uefi, String http, String arm64, String secureBoot) {
  /**
   * What shim loads from its own folder: the distribution's signed network GRUB, under this name.
   */
  static final String GRUB = "grubx64.efi";

  BootFileNames {
    check("bios-boot-file", bios);
    check("uefi-boot-file", uefi);
    if (!isUrl(http)) {
      check("http-boot-file", http);
    }
    check("arm64-boot-file", arm64);
    check("secure-boot-file", secureBoot);
  }

  static BootFileNames from(
      String bios, String uefi, String http, String arm64, String secureBoot, Properties file) {
    String uefiFile = pick(uefi, file, "uefi-boot-file", "ipxe.efi");
    return new BootFileNames(
        pick(bios, file, "bios-boot-file", "undionly.kpxe"),
        uefiFile,
        pick(http, file, "http-boot-file", uefiFile),
        pick(arm64, file, "arm64-boot-file", "ipxe-arm64.efi"),
        pick(secureBoot, file, "secure-boot-file", "shimx64.efi"));
  }

  /** The URL HTTP Boot clients are offered. */
  String httpBootUrl(String bootUrl) {
    return isUrl(http) ? http : bootUrl + "/ipxe/" + http;
  }

  /**
   * The files served over HTTP as {@code /ipxe/NAME}: every single-segment boot file, and GRUB
   * beside shim.
   */
  Set<String> servedOverHttp() {
    Set<String> names = new LinkedHashSet<>();
    for (String name : new String[] {bios, uefi, http, arm64, secureBoot, GRUB}) {
      if (!isUrl(name) && !name.contains("/")) {
        names.add(name);
      }
    }
    return names;
  }

  private static boolean isUrl(String value) {
    return value.startsWith("http://") || value.startsWith("https://");
  }

  private static void check(String key, String name) {
    Optional<String> refused = TftpRoot.refusal(name);
    if (refused.isPresent()) {
      throw new IllegalArgumentException(
          key + " '" + name + "' is not a usable file name: " + refused.get());
    }
  }

  private static String pick(String flag, Properties file, String key, String fallback) {
    String v = flag != null ? flag : file.getProperty(key);
    return v == null || v.isBlank() ? fallback : v.strip();
  }
}
