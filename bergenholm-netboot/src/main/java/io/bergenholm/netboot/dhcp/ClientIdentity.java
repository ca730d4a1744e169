package io.bergenholm.netboot.dhcp;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Who is asking for a boot file, as far as its DHCP packet tells.
 *
 * @param mac the hardware address, lowercase, colon-separated ({@code 52:54:00:12:34:56})
 * @param uuid the machine UUID from option 97, in the form iPXE's {@code ${uuid}} and SMBIOS use
 * @param arch the client system architecture from option 93 (0 BIOS, 7 and 9 x86-64 UEFI, 11 ARM64
 *     UEFI, 16 x86-64 HTTP boot, ...)
 */
public record ClientIdentity(String mac, Optional<UUID> uuid, int arch) {
  public ClientIdentity {
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(uuid, "uuid");
  }
}
