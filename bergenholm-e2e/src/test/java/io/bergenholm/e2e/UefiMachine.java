package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A q35 machine with real UEFI firmware (Debian's {@code ovmf}, EDK2) under TCG, its serial console
 * on stdout. The NIC carries no option ROM ({@code romfile=}), so the firmware's own network stack
 * boots: PXE over IPv4 (DHCP vendor class {@code PXEClient:Arch:00007}), or, with PXE switched off
 * in the firmware settings, UEFI HTTP Boot ({@code HTTPClient:Arch:00016}). PXE over IPv6 is always
 * off: no DHCPv6 server runs on the test network, and waiting for one costs a minute per boot.
 *
 * <p>With {@link #withSecureBoot()} the firmware is the Secure Boot build with Microsoft's keys
 * enrolled ({@code OVMF_CODE_4M.secboot.fd}, {@code OVMF_VARS_4M.ms.fd}), on a machine with SMM, as
 * a real machine with Secure Boot on: it runs only what Microsoft's UEFI CA signed (shim) and what
 * shim trusts (the distribution's signed GRUB and kernel).
 */
record UefiMachine(
    String uuid,
    String mac,
    boolean secureBoot,
    boolean httpBoot,
    Optional<String> manufacturer,
    Optional<String> product,
    Optional<String> serial,
    Optional<Path> espFolder,
    int memoryMiB) {
  static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
  static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
  static final Path SECURE_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
  static final Path MS_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.ms.fd");

  static UefiMachine of(String uuid, String mac) {
    return new UefiMachine(
        uuid,
        mac,
        false,
        false,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        512);
  }

  /**
   * More memory than the 512 MiB the test images need (the Debian installer wants 1 GiB to skip its
   * low-memory mode).
   */
  UefiMachine withMemory(int mib) {
    return new UefiMachine(
        uuid, mac, secureBoot, httpBoot, manufacturer, product, serial, espFolder, mib);
  }

  /** What this machine lacks to run these machines, or empty. */
  static Optional<String> missing() {
    for (Path p : List.of(CODE, VARS, SECURE_CODE, MS_VARS)) {
      if (!Files.exists(p)) {
        return Optional.of("no " + p + " (Debian package ovmf)");
      }
    }
    return Optional.empty();
  }

  UefiMachine withSecureBoot() {
    return new UefiMachine(
        uuid, mac, true, httpBoot, manufacturer, product, serial, espFolder, memoryMiB);
  }

  /** PXE switched off in the firmware settings, so that it boots through UEFI HTTP Boot. */
  UefiMachine withHttpBoot() {
    return new UefiMachine(
        uuid, mac, secureBoot, true, manufacturer, product, serial, espFolder, memoryMiB);
  }

  UefiMachine withSmbios(String manufacturer, String product, String serial) {
    return new UefiMachine(
        uuid,
        mac,
        secureBoot,
        httpBoot,
        Optional.of(manufacturer),
        Optional.of(product),
        Optional.of(serial),
        espFolder,
        memoryMiB);
  }

  /**
   * A local disk whose one FAT partition holds the files of {@code folder} (QEMU's vvfat,
   * read-only).
   */
  UefiMachine withEsp(Path folder) {
    return new UefiMachine(
        uuid,
        mac,
        secureBoot,
        httpBoot,
        manufacturer,
        product,
        serial,
        Optional.of(folder),
        memoryMiB);
  }

  /**
   * QEMU's arguments, without {@code -netdev}; {@code work} receives this boot's copy of the
   * firmware's variable store (the firmware writes its boot options there).
   */
  List<String> arguments(Path work, String name) throws IOException {
    Path vars = work.resolve(name + "-vars.fd");
    Files.copy(
        secureBoot ? MS_VARS : VARS, vars, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    StringBuilder smbios = new StringBuilder("type=1,uuid=").append(uuid);
    manufacturer.ifPresent(v -> smbios.append(",manufacturer=").append(v));
    product.ifPresent(v -> smbios.append(",product=").append(v));
    serial.ifPresent(v -> smbios.append(",serial=").append(v));
    List<String> args =
        new ArrayList<>(
            List.of(
                "qemu-system-x86_64",
                "-accel",
                "tcg",
                "-machine",
                secureBoot ? "q35,smm=on" : "q35",
                "-m",
                Integer.toString(memoryMiB),
                "-display",
                "none",
                "-nodefaults",
                "-no-reboot",
                "-serial",
                "stdio"));
    if (secureBoot) {
      args.addAll(List.of("-global", "driver=cfi.pflash01,property=secure,value=on"));
    }
    args.addAll(
        List.of(
            "-drive", "if=pflash,format=raw,readonly=on,file=" + (secureBoot ? SECURE_CODE : CODE),
            "-drive", "if=pflash,format=raw,file=" + vars,
            "-smbios", smbios.toString(),
            "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n",
            "-device", "virtio-net-pci,netdev=n0,romfile=,bootindex=0,mac=" + mac));
    if (httpBoot) {
      args.addAll(List.of("-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n"));
    }
    espFolder.ifPresent(
        dir ->
            args.addAll(
                List.of(
                    "-drive",
                    "if=none,id=esp,format=raw,readonly=on,file=fat:" + dir,
                    "-device",
                    "virtio-blk-pci,drive=esp,bootindex=1")));
    return args;
  }
}
