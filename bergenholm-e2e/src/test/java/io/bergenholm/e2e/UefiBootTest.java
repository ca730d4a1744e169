package io.bergenholm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * UEFI machines with real firmware (OVMF, EDK2) on the isolated network of {@link NetnsLab} (needs
 * root), Bergenholm started as an operator starts it: {@code bergenholm serve --store file:DIR
 * --http ... --tftp ... --tftp-root DIR --proxy-dhcp ...}, its TFTP folder made of links to the
 * files of Debian's {@code ipxe}, {@code shim-signed} and {@code grub-efi-amd64-signed} packages.
 *
 * <ol>
 *   <li>UEFI PXE: the firmware loads {@code ipxe.efi} over TFTP, iPXE runs the sample {@code
 *       linux.ipxe}, kernel and initrd are streamed by Bergenholm, the initrd runs (its {@code
 *       initrd=} on the kernel command line is what iPXE on EFI needs);
 *   <li>UEFI HTTP Boot: the same with PXE off in the firmware, {@code ipxe.efi} over HTTP;
 *   <li>Secure Boot: Microsoft-signed shim, Debian's signed network GRUB, the generic {@code
 *       grub/grub.cfg}, the host's rendered {@code linux.grub}, kernel and initrd over TFTP through
 *       the image cache, Debian's signed kernel with Secure Boot on;
 *   <li>the host, now installed, boots its local disk's EFI loader ({@code localboot.grub});
 *   <li>the UEFI PXE host of flow 1, now installed, boots its disk without Secure Boot: the sample
 *       {@code localboot.ipxe} chains network GRUB on EFI, which runs {@code localboot.grub};
 *   <li>an unknown UEFI HTTP Boot machine registers through the sample {@code register.ipxe} and
 *       boots its disk the same way;
 *   <li>an unknown machine with Secure Boot on registers through GRUB and boots its disk;
 *   <li>the real Debian installer, streamed by Bergenholm, loads the host's rendered preseed and
 *       runs its {@code early_command}, which calls the host's {@code installed_url}.
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UefiBootTest {
  private static final String PXE_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c1";
  private static final String PXE_MAC = "52:54:00:e2:e1:01";
  private static final String HTTP_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c2";
  private static final String HTTP_MAC = "52:54:00:e2:e1:02";
  private static final String SB_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c3";
  private static final String SB_MAC = "52:54:00:e2:e1:03";
  private static final String NEW_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c4";
  private static final String NEW_MAC = "52:54:00:e2:e1:04";
  private static final String DI_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c5";
  private static final String DI_MAC = "52:54:00:e2:e1:05";
  private static final String ARM_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c6";
  private static final String ARM_MAC = "52:54:00:e2:e1:06";
  private static final String HTTP_NEW_UUID = "5d3c8a2e-6f41-4b7a-9c0d-0000000000c7";
  private static final String HTTP_NEW_MAC = "52:54:00:e2:e1:07";
  private static final Path AAVMF_CODE = Path.of("/usr/share/AAVMF/AAVMF_CODE.fd");
  private static final Path AAVMF_VARS = Path.of("/usr/share/AAVMF/AAVMF_VARS.fd");
  private static final String HTTP = NetnsLab.SERVER_IP + ":8080";
  private static final String BASE = "http://" + HTTP;

  /** Only a hung machine gets near this: failures end at the console's first sign of them. */
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(6);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path out;
  private static NetnsLab lab;
  private static BergenholmProcess server;

  @BeforeAll
  static void startLab() throws Exception {
    Optional<String> missing =
        NetnsLab.missing().or(UefiMachine::missing).or(UefiBootData::missing);
    assumeTrue(missing.isEmpty(), () -> "UEFI boots skipped: " + missing.orElse(""));
    out = E2eOutput.directory("uefi");
    Path images = BootImages.ensure();
    lab = NetnsLab.create(out);
    // Debian 12's network GRUB ignores proxyDHCP answers and finds its TFTP server as the site
    // DHCP server's next-server: one line in the site's configuration (the boot file still comes
    // from Bergenholm's proxyDHCP, host by host).
    lab.startSiteDhcpNamingNextServer(NetnsLab.SERVER_IP);
    String upstream = lab.startUpstream(UefiBootData.upstream(out.resolve("upstream"), images));
    Path data = UefiBootData.write(out.resolve("data"), BASE, upstream);
    host(data, PXE_UUID, BootData.INSTALL_GROUP);
    host(data, HTTP_UUID, BootData.INSTALL_GROUP);
    host(data, SB_UUID, BootData.INSTALL_GROUP + "\", \"" + UefiBootData.SECURE_BOOT_GROUP);
    host(data, DI_UUID, UefiBootData.INSTALLER_GROUP);
    server =
        BergenholmProcess.start(
            Optional.of(lab.ns),
            out.resolve("bergenholm.log"),
            HTTP,
            List.of(
                "--store",
                "file:" + data,
                "--http",
                HTTP,
                "--tftp",
                NetnsLab.SERVER_IP + ":69",
                "--tftp-root",
                UefiBootData.tftpRoot(out.resolve("tftp")).toString(),
                "--proxy-dhcp",
                NetnsLab.SERVER_IP,
                "--uefi-boot-file",
                "ipxe.efi",
                "--secure-boot-file",
                "shimx64.efi",
                "--arm64-boot-file",
                UefiBootData.ARM64_BOOT_FILE,
                "-E",
                "images.cache_dir=" + out.resolve("image-cache"),
                // Upstream request counts must hold however slow the run: no revalidation.
                "-E",
                "images.revalidate_after=1h"));
  }

  private static void host(Path data, String uuid, String groups) throws Exception {
    Files.writeString(
        data.resolve("hosts/" + uuid),
        """
        {"groups": ["%s"], "hostname": "e2e-%s"}
        """
            .formatted(groups, uuid.substring(uuid.length() - 2)));
  }

  @AfterAll
  static void stopLab() {
    if (server != null) {
      server.close();
    }
    if (lab != null) {
      lab.close();
      assertThat(lab.exists()).as("namespaces %s and %s removed", lab.ns, lab.siteNs).isFalse();
    }
  }

  private static Qemu.Boot boot(String name, UefiMachine machine, Pattern goal) throws Exception {
    List<String> cmd = Shell.in(Optional.of(lab.ns), machine.arguments(out, name));
    cmd.addAll(List.of("-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
    long mark = server.mark();
    Qemu.Boot boot = Qemu.boot(name, cmd, out, goal, BOOT_LIMIT);
    E2eOutput.record(out, boot, server.logSince(mark));
    return boot;
  }

  private static Qemu.Boot boot(String name, UefiMachine machine, String goal) throws Exception {
    return boot(name, machine, Pattern.compile(Pattern.quote(goal)));
  }

  private static JsonNode getJson(String path) throws Exception {
    Shell.Result r = server.curl("-sS", "-f", BASE + path);
    assertThat(r.exit()).as("GET %s: %s", path, r.output()).isZero();
    return JSON.readTree(r.output());
  }

  /** The machine registered itself with its SMBIOS facts and is in group {@code default}. */
  private static void assertRegistered(
      String uuid, String manufacturer, String product, String serial) throws Exception {
    JsonNode host = getJson("/api/1.0/hosts/" + uuid);
    assertThat(host.path("manufacturer").asText()).isEqualTo(manufacturer);
    assertThat(host.path("product").asText()).isEqualTo(product);
    assertThat(host.path("serial").asText()).isEqualTo(serial);
    assertThat(host.path("groups").toString()).contains("\"default\"");
  }

  private static String installedUrl(String uuid) {
    return BASE + "/api/1.0/hosts/" + uuid + "?installed=mark";
  }

  /** The host's rendered kernel options as a pattern: its boot credential is matched by form. */
  private static Pattern kernelOptions(String uuid) {
    return Pattern.compile(
        Pattern.quote(
                "console=ttyS0 panic=-1 ks="
                    + BASE
                    + "/api/1.0/templates/"
                    + BootData.KICKSTART
                    + "/"
                    + uuid
                    + "?boot_token=")
            + BootData.TOKEN
            + Pattern.quote(
                " e2e.host=" + uuid + " e2e.installed=" + installedUrl(uuid) + "&boot_token=")
            + BootData.TOKEN);
  }

  @Test
  @Order(1)
  void uefiPxeLoadsIpxeOverTftpAndInstalls() throws Exception {
    Qemu.Boot boot = boot("uefi-pxe", UefiMachine.of(PXE_UUID, PXE_MAC), BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start PXE over IPv4",
        // iPXE, loaded by the firmware over TFTP from the proxyDHCP's answer, asks DHCP again
        "iPXE initialising devices",
        "Next server: " + NetnsLab.SERVER_IP,
        Qemu.fetched("/ipxe/script/" + PXE_UUID),
        "/ipxe/module/" + PXE_UUID,
        "/ipxe/kernel/" + PXE_UUID,
        "EFI stub: Loaded initrd",
        // the sample linux.ipxe names the initrd, as iPXE on EFI needs
        Pattern.compile("CMDLINE: .*initrd=module0 " + kernelOptions(PXE_UUID).pattern()),
        "PRODUCT_UUID: " + PXE_UUID,
        "INSTALLED-CALLED: " + installedUrl(PXE_UUID),
        BootImages.MARKER);
    assertThat(server.logSince(0))
        .containsPattern(
            "proxy offer for " + PXE_MAC + " \\(arch 7, uuid " + PXE_UUID + "\\): ipxe\\.efi");
    assertThat(getJson("/api/1.0/hosts/" + PXE_UUID).path("groups").toString())
        .contains("\"installed\"");
  }

  @Test
  @Order(2)
  void uefiHttpBootLoadsIpxeOverHttpAndInstalls() throws Exception {
    Qemu.Boot boot =
        boot(
            "uefi-http-boot",
            UefiMachine.of(HTTP_UUID, HTTP_MAC).withHttpBoot(),
            BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start HTTP Boot over IPv4",
        "URI: " + BASE + "/ipxe/ipxe.efi",
        "iPXE initialising devices",
        Qemu.fetched("/ipxe/script/" + HTTP_UUID),
        "EFI stub: Loaded initrd",
        Pattern.compile("CMDLINE: .*initrd=module0 " + kernelOptions(HTTP_UUID).pattern()),
        "INSTALLED-CALLED: " + installedUrl(HTTP_UUID),
        BootImages.MARKER);
    assertThat(boot.console()).doesNotContain(">>Start PXE over IPv4");
    assertThat(server.logSince(0))
        .containsPattern(
            "proxy offer for "
                + HTTP_MAC
                + " \\(arch 16, uuid "
                + HTTP_UUID
                + "\\): "
                + Pattern.quote(BASE + "/ipxe/ipxe.efi"));
    // The boot file over HTTP has a Content-Length and the bytes of the file.
    Shell.Result head =
        server.curl(
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            BASE + "/ipxe/ipxe.efi");
    assertThat(head.output()).isEqualTo("200 " + Files.size(Path.of("/usr/lib/ipxe/ipxe.efi")));
    assertThat(lab.upstreamRequests("vmlinuz"))
        .as("one upstream fetch for both UEFI installs")
        .isEqualTo(1);
  }

  @Test
  @Order(3)
  void secureBootChainsShimGrubAndTheSignedKernel() throws Exception {
    Qemu.Boot boot =
        boot("secure-boot", UefiMachine.of(SB_UUID, SB_MAC).withSecureBoot(), BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start PXE over IPv4",
        "Bergenholm: machine " + SB_UUID,
        "Bergenholm: installing " + SB_UUID,
        "EFI stub: UEFI Secure Boot is enabled.",
        "secureboot: Secure boot enabled",
        "CMDLINE: ",
        kernelOptions(SB_UUID),
        "PRODUCT_UUID: " + SB_UUID,
        "INSTALLED-CALLED: " + installedUrl(SB_UUID),
        BootImages.MARKER);
    String log = server.logSince(0);
    assertThat(log)
        .containsPattern(
            "proxy offer for " + SB_MAC + " \\(arch 7, uuid " + SB_UUID + "\\): shimx64\\.efi");
    // The kernel and initrd came over TFTP, from the cache the HTTP installs filled.
    assertThat(lab.upstreamRequests("vmlinuz")).isEqualTo(1);
    assertThat(lab.upstreamRequests("initrd.gz")).isEqualTo(1);
    assertThat(getJson("/api/1.0/hosts/" + SB_UUID).path("groups").toString())
        .contains("\"installed\"");
  }

  @Test
  @Order(4)
  void anInstalledSecureBootHostBootsItsLocalDisk() throws Exception {
    UefiMachine machine =
        UefiMachine.of(SB_UUID, SB_MAC)
            .withSecureBoot()
            .withEsp(UefiBootData.esp(out.resolve("esp-installed")));
    // Installed by flow 3; marked here too, so this flow also runs alone.
    assertThat(server.curl("-sS", "-f", "-o", "/dev/null", installedUrl(SB_UUID)).exit()).isZero();

    Qemu.Boot boot = boot("secure-boot-localboot", machine, LocalDisk.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        "Bergenholm: machine " + SB_UUID,
        "Bergenholm: " + SB_UUID + " boots from its local disk",
        LocalDisk.MARKER);
    assertThat(boot.console())
        .doesNotContain(BootImages.MARKER)
        .doesNotContain("installing " + SB_UUID);
  }

  @Test
  @Order(5)
  void anInstalledUefiPxeHostBootsItsLocalDiskThroughNetworkGrub() throws Exception {
    UefiMachine machine =
        UefiMachine.of(PXE_UUID, PXE_MAC).withEsp(UefiBootData.esp(out.resolve("esp-uefi-pxe")));
    // Installed by flow 1; marked here too, so this flow also runs alone.
    assertThat(server.curl("-sS", "-f", "-o", "/dev/null", installedUrl(PXE_UUID)).exit()).isZero();

    Qemu.Boot boot = boot("uefi-pxe-localboot", machine, LocalDisk.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start PXE over IPv4",
        "iPXE initialising devices",
        Qemu.fetched("/ipxe/script/" + PXE_UUID),
        // the sample localboot.ipxe: on EFI, network GRUB runs the host's localboot.grub
        "Bergenholm: " + PXE_UUID + " boots from its local disk",
        Qemu.fetched("tftp://" + NetnsLab.SERVER_IP + "/grubx64.efi"),
        "Bergenholm: machine " + PXE_UUID,
        "Bergenholm: " + PXE_UUID + " boots from its local disk",
        LocalDisk.MARKER);
    assertThat(boot.console())
        .doesNotContain(BootImages.MARKER)
        .doesNotContain("installing " + PXE_UUID)
        .doesNotContain("Booting from SAN device");
  }

  @Test
  @Order(6)
  void anUnknownUefiHttpBootMachineRegistersThroughIpxeThenBootsItsDisk() throws Exception {
    UefiMachine machine =
        UefiMachine.of(HTTP_NEW_UUID, HTTP_NEW_MAC)
            .withHttpBoot()
            .withSmbios("Acme", "Rack7000", "SN0077")
            .withEsp(UefiBootData.esp(out.resolve("esp-http-new")));
    assertThat(server.status(BASE + "/api/1.0/hosts/" + HTTP_NEW_UUID)).isEqualTo("404");

    Qemu.Boot boot = boot("uefi-http-register", machine, LocalDisk.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start HTTP Boot over IPv4",
        "iPXE initialising devices",
        "Bergenholm: registering " + HTTP_NEW_UUID,
        // iPXE shows the URL without its query; the facts are checked in the store below
        Qemu.fetched(BASE + "/ipxe/register/" + HTTP_NEW_UUID),
        Qemu.fetched("tftp://" + NetnsLab.SERVER_IP + "/grubx64.efi"),
        "Bergenholm: machine " + HTTP_NEW_UUID,
        "Bergenholm: " + HTTP_NEW_UUID + " boots from its local disk",
        LocalDisk.MARKER);
    assertRegistered(HTTP_NEW_UUID, "Acme", "Rack7000", "SN0077");
  }

  @Test
  @Order(7)
  void anUnknownSecureBootMachineRegistersThroughGrubThenBootsItsDisk() throws Exception {
    UefiMachine machine =
        UefiMachine.of(NEW_UUID, NEW_MAC)
            .withSecureBoot()
            .withSmbios("Acme", "Rack9000", "SN0042")
            .withEsp(UefiBootData.esp(out.resolve("esp-new")));
    assertThat(server.status(BASE + "/api/1.0/hosts/" + NEW_UUID)).isEqualTo("404");

    Qemu.Boot boot = boot("secure-boot-register", machine, LocalDisk.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        "Bergenholm: machine " + NEW_UUID,
        "Bergenholm: registering " + NEW_UUID,
        "Bergenholm: registered " + NEW_UUID,
        LocalDisk.MARKER);
    assertRegistered(NEW_UUID, "Acme", "Rack9000", "SN0042");
  }

  @Test
  @Order(8)
  void theDebianInstallerLoadsTheRenderedPreseedAndRunsItsEarlyCommand() throws Exception {
    Qemu.Boot boot =
        boot(
            "debian-installer",
            UefiMachine.of(DI_UUID, DI_MAC).withMemory(1024),
            Pattern.compile(Pattern.quote(UefiBootData.EARLY_CALLED) + " \\S+"));

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        Qemu.fetched("/ipxe/script/" + DI_UUID),
        "/ipxe/module/" + DI_UUID,
        "/ipxe/kernel/" + DI_UUID,
        UefiBootData.EARLY_COMMAND + " " + DI_UUID,
        UefiBootData.EARLY_CALLED + " " + installedUrl(DI_UUID));
    assertThat(lab.upstreamRequests("d-i/linux")).isEqualTo(1);
    assertThat(lab.upstreamRequests("d-i/initrd.gz")).isEqualTo(1);
    assertThat(getJson("/api/1.0/hosts/" + DI_UUID).path("groups").toString())
        .contains("\"installed\"");
  }

  @Test
  @Order(9)
  void arm64UefiPxeGetsItsOwnBootFileOverTftp() throws Exception {
    assumeTrue(
        Shell.available("qemu-system-aarch64") && Files.exists(AAVMF_CODE),
        "no qemu-system-aarch64 or AAVMF (Debian packages qemu-system-arm, qemu-efi-aarch64)");
    Path vars = out.resolve("arm64-vars.fd");
    Files.copy(AAVMF_VARS, vars, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<String> cmd =
        Shell.in(
            Optional.of(lab.ns),
            new java.util.ArrayList<>(
                List.of(
                    "qemu-system-aarch64",
                    "-machine",
                    "virt",
                    "-cpu",
                    "cortex-a57",
                    "-m",
                    "512",
                    "-display",
                    "none",
                    "-nodefaults",
                    "-no-reboot",
                    "-serial",
                    "stdio",
                    "-drive",
                    "if=pflash,format=raw,readonly=on,file=" + AAVMF_CODE,
                    "-drive",
                    "if=pflash,format=raw,file=" + vars,
                    "-smbios",
                    "type=1,uuid=" + ARM_UUID,
                    "-fw_cfg",
                    "name=opt/org.tianocore/IPv6PXESupport,string=n",
                    "-device",
                    "virtio-net-pci,netdev=n0,romfile=,bootindex=0,mac=" + ARM_MAC)));
    cmd.addAll(List.of("-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
    long mark = server.mark();
    Qemu.Boot boot =
        Qemu.boot(
            "arm64-pxe", cmd, out, Pattern.compile("NBP file downloaded successfully"), BOOT_LIMIT);
    String log = server.logSince(mark);
    E2eOutput.record(out, boot, log);

    // Debian ships no arm64 iPXE; the exchange is what is proven: real arm64 firmware asks with
    // architecture 11, is offered the arm64 boot file, and downloads it over TFTP.
    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        ">>Start PXE over IPv4",
        "NBP filename is " + UefiBootData.ARM64_BOOT_FILE,
        "NBP filesize is "
            + Files.size(out.resolve("tftp").resolve(UefiBootData.ARM64_BOOT_FILE))
            + " Bytes",
        "NBP file downloaded successfully");
    assertThat(log)
        .containsPattern(
            "proxy offer for "
                + ARM_MAC
                + " \\(arch 11, uuid "
                + ARM_UUID
                + "\\): "
                + Pattern.quote(UefiBootData.ARM64_BOOT_FILE));
    assertThat(log).contains("sent " + UefiBootData.ARM64_BOOT_FILE + " to ");
  }
}
