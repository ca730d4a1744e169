package io.bergenholm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bergenholm.e2e.BootTimeline.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * Flows 1 to 3 on an isolated network (needs root): a plain site DHCP server in its own namespace
 * hands out addresses, Bergenholm's proxyDHCP, TFTP and HTTP (started as an operator starts them:
 * {@code bergenholm serve --store file:DIR --http ... --tftp ... --tftp-root /usr/lib/ipxe
 * --proxy-dhcp ...}) do the rest, and an unmodified PXE client, QEMU's iPXE option ROM, boots
 * through them. Kernel and initrd come from an upstream server in the site namespace, fetched by
 * Bergenholm's image streaming.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NetnsBootTest {
  private static final String INSTALL_UUID = "8c6e2b1a-4f3d-4c2e-9a7b-0000000000a1";
  private static final String INSTALL_MAC = "52:54:00:e2:e0:01";
  private static final String NEW_UUID = "8c6e2b1a-4f3d-4c2e-9a7b-0000000000b2";
  private static final String NEW_MAC = "52:54:00:e2:e0:02";
  private static final String HTTP = NetnsLab.SERVER_IP + ":8080";
  private static final String BASE = "http://" + HTTP;

  /**
   * The management API on its own listener: the boot side grants nothing without a host's
   * credential.
   */
  private static final String MGMT = "http://" + NetnsLab.SERVER_IP + ":8081";

  /** Only a hung machine gets near this: failures end at the console's first sign of them. */
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(5);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path out;
  private static NetnsLab lab;
  private static BergenholmProcess server;

  @BeforeAll
  static void startLab() throws Exception {
    Optional<String> missing = NetnsLab.missing();
    assumeTrue(missing.isEmpty(), () -> "namespace boots skipped: " + missing.orElse(""));
    out = E2eOutput.directory("netns");
    Path images = BootImages.ensure();
    lab = NetnsLab.create(out);
    lab.startSiteDhcp();
    String upstream = lab.startUpstream(images);
    Path data = BootData.write(out.resolve("data"), BASE, upstream);
    Files.writeString(
        data.resolve("hosts/" + INSTALL_UUID),
        """
        {"groups": ["%s", "%s"], "hostname": "e2e-install"}
        """
            .formatted(BootData.INSTALL_GROUP, BootData.VIA_UNDIONLY_GROUP));
    server =
        BergenholmProcess.start(
            Optional.of(lab.ns),
            out.resolve("bergenholm.log"),
            HTTP,
            List.of(
                "--store", "file:" + data,
                "--http", HTTP,
                "--management", NetnsLab.SERVER_IP + ":8081",
                "-E", "boot.secret_file=" + out.resolve("boot-secret"),
                "--tftp", NetnsLab.SERVER_IP + ":69",
                "--tftp-root", "/usr/lib/ipxe",
                "--proxy-dhcp", NetnsLab.SERVER_IP,
                "-E", "images.cache_dir=" + out.resolve("image-cache"),
                // Flow 3 counts upstream requests: no revalidation of the cached images however
                // slow the run.
                "-E", "images.revalidate_after=1h"));
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

  private static Qemu.Boot boot(String name, Qemu.Machine machine, String goal) throws Exception {
    List<String> cmd = Shell.in(Optional.of(lab.ns), machine.arguments());
    cmd.addAll(List.of("-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
    long mark = server.mark();
    Qemu.Boot boot = Qemu.boot(name, cmd, out, Pattern.compile(Pattern.quote(goal)), BOOT_LIMIT);
    E2eOutput.record(out, boot, server.logSince(mark));
    return boot;
  }

  private static JsonNode getJson(String path) throws Exception {
    Shell.Result r = server.curl("-sS", "-f", MGMT + path);
    assertThat(r.exit()).as("GET %s: %s", path, r.output()).isZero();
    return JSON.readTree(r.output());
  }

  private String siteLeases() throws Exception {
    return Files.readString(out.resolve("site-dnsmasq.log"));
  }

  @Test
  @Order(1)
  void flow1InstallsThroughProxyDhcpTftpAndHttp() throws Exception {
    Instant since = Instant.now();
    Map<String, Double> before = BootTimeline.metrics(server, MGMT);
    Qemu.Boot boot =
        boot("flow1-install", Qemu.Machine.of(INSTALL_UUID, INSTALL_MAC), BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        // the ROM: address from the site server, boot file from Bergenholm's proxyDHCP
        "Next server: " + NetnsLab.SERVER_IP,
        "Filename: http://" + HTTP + "/",
        Qemu.fetched("/ipxe/script/" + INSTALL_UUID),
        "Stage 1 (virtio-net): chaining undionly.kpxe from TFTP server " + NetnsLab.SERVER_IP,
        // undionly.kpxe from Bergenholm's TFTP, running on the ROM's UNDI
        Qemu.fetched("tftp://" + NetnsLab.SERVER_IP + "/undionly.kpxe"),
        "PXE->EB",
        "net0: " + INSTALL_MAC + " using undionly",
        // its own DHCP round, the proxyDHCP again, the host's script over HTTP
        "Next server: " + NetnsLab.SERVER_IP,
        Qemu.fetched("/ipxe/script/" + INSTALL_UUID),
        "Stage 2 (undionly): installing " + INSTALL_UUID,
        // kernel and initrd streamed by Bergenholm from upstream
        "/ipxe/module/" + INSTALL_UUID,
        "/ipxe/kernel/" + INSTALL_UUID,
        "Linux version",
        BootData.cmdline(BASE, INSTALL_UUID),
        "PRODUCT_UUID: " + INSTALL_UUID,
        // the initrd, as an installer's last step, calls the host's installed_url
        "INSTALLED-CALLED: "
            + BASE
            + "/api/1.0/hosts/"
            + INSTALL_UUID
            + "?installed=mark&boot_token=",
        BootImages.MARKER);
    assertThat(getJson("/api/1.0/hosts/" + INSTALL_UUID).path("groups").toString())
        .contains("\"installed\"");
    assertThat(siteLeases())
        .as("the address came from the site's DHCP server")
        .containsPattern("DHCPACK\\(veth-d\\) 192\\.168\\.77\\.\\d+ " + INSTALL_MAC);
    assertThat(lab.upstreamRequests("vmlinuz")).isEqualTo(1);
    assertThat(lab.upstreamRequests("initrd.gz")).isEqualTo(1);
    // The kickstart the kernel options name is rendered for this host.
    Shell.Result ks =
        server.curl(
            "-sS", "-f", MGMT + "/api/1.0/templates/" + BootData.KICKSTART + "/" + INSTALL_UUID);
    assertThat(ks.output())
        .contains("# kickstart for " + INSTALL_UUID)
        .contains(BASE + "/api/1.0/hosts/" + INSTALL_UUID + "?installed=mark&boot_token=");
    // The boot's timeline, as the server recorded it, and the metrics it moved.
    BootTimeline.assertSteps(
        server,
        MGMT,
        since,
        Instant.now(),
        INSTALL_UUID,
        INSTALL_MAC,
        Step.of("dhcp.offer").ok(),
        Step.of("script.served").ok(),
        Step.of("tftp.transfer").ok().with("file", "undionly.kpxe"),
        Step.of("dhcp.offer").ok(),
        Step.of("script.served").ok().with("purpose", "install"),
        Step.of("image.streamed").ok().with("source", "upstream"),
        Step.of("image.streamed").ok().with("image", "kernel").with("source", "upstream"),
        Step.of("host.installed").ok(),
        Step.of("template.rendered").ok().with("template", BootData.KICKSTART));
    BootTimeline.assertMoved(
        before,
        BootTimeline.metrics(server, MGMT),
        Map.of(
            "bergenholm_dhcp_offers_total", 2.0,
            "bergenholm_tftp_transfers_total{outcome=\"ok\"}", 1.0,
            "bergenholm_tftp_bytes_total{outcome=\"ok\"}", 1.0,
            "bergenholm_scripts_served_total{purpose=\"install\"}", 1.0,
            "bergenholm_images_streamed_total{outcome=\"ok\",source=\"upstream\"}", 2.0,
            "bergenholm_upstream_fetches_total", 2.0,
            "bergenholm_installs_completed_total", 1.0,
            "bergenholm_http_requests_total{method=\"GET\",route=\"/ipxe/script/{}\",status=\"200\"}",
                2.0));
    // On the boot side, without the host's credential: refused (it carries what the kickstart
    // holds).
    assertThat(
            server.status(BASE + "/api/1.0/templates/" + BootData.KICKSTART + "/" + INSTALL_UUID))
        .isEqualTo("403");
    assertThat(server.status(BASE + "/api/1.0/hosts/" + INSTALL_UUID + "?installed=unmark"))
        .isEqualTo("403");
  }

  @Test
  @Order(2)
  void flow2UnknownMachineRegistersItselfThenBootsItsLocalDisk() throws Exception {
    Instant since = Instant.now();
    Map<String, Double> before = BootTimeline.metrics(server, MGMT);
    Qemu.Machine machine =
        Qemu.Machine.of(NEW_UUID, NEW_MAC)
            .withSmbios("Acme", "Rack9000", "SN0042")
            .withDisk(LocalDisk.write(out.resolve("flow2-disk.img")));
    assertThat(server.status(MGMT + "/api/1.0/hosts/" + NEW_UUID)).isEqualTo("404");

    Qemu.Boot boot = boot("flow2-register", machine, LocalDisk.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        "Next server: " + NetnsLab.SERVER_IP,
        Qemu.fetched("/ipxe/script/" + NEW_UUID),
        "Registering this host to Bergenholm",
        // iPXE shows the URL without its query; the facts it carried are checked below
        Qemu.fetched("/ipxe/register/" + NEW_UUID),
        "Registered; trying boot from local disk",
        "Booting from SAN device 0x80",
        LocalDisk.MARKER);
    assertThat(boot.console()).doesNotContain(BootImages.MARKER);

    JsonNode host = getJson("/api/1.0/hosts/" + NEW_UUID);
    assertThat(host.path("manufacturer").asText()).isEqualTo("Acme");
    assertThat(host.path("product").asText()).isEqualTo("Rack9000");
    assertThat(host.path("serial").asText()).isEqualTo("SN0042");
    assertThat(host.path("groups").toString()).contains("\"default\"");
    BootTimeline.assertSteps(
        server,
        MGMT,
        since,
        Instant.now(),
        NEW_UUID,
        NEW_MAC,
        Step.of("dhcp.offer").ok(),
        Step.of("script.served").ok().with("purpose", "register"),
        Step.of("host.registered").ok().with("manufacturer", "Acme").with("serial", "SN0042"));
    BootTimeline.assertMoved(
        before,
        BootTimeline.metrics(server, MGMT),
        Map.of(
            "bergenholm_scripts_served_total{purpose=\"register\"}", 1.0,
            "bergenholm_registrations_total", 1.0));
    assertThat(getJson("/api/1.0/hosts/?state=registered").path("hosts").toString())
        .contains(NEW_UUID);
  }

  @Test
  @Order(3)
  void flow3OperatorPutsTheHostIntoAnInstallThenItBootsLocally() throws Exception {
    Qemu.Machine machine =
        Qemu.Machine.of(NEW_UUID, NEW_MAC)
            .withSmbios("Acme", "Rack9000", "SN0042")
            .withDisk(LocalDisk.write(out.resolve("flow3-disk.img")));
    Instant since = Instant.now();
    Map<String, Double> before = BootTimeline.metrics(server, MGMT);
    ObjectNode params = (ObjectNode) getJson("/api/1.0/hosts/" + NEW_UUID);
    params.set("groups", JSON.createArrayNode().add(BootData.INSTALL_GROUP));
    Shell.Result put =
        server.curl(
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            JSON.writeValueAsString(params),
            MGMT + "/api/1.0/hosts/" + NEW_UUID);
    assertThat(put.output()).isEqualTo("202");

    Qemu.Boot install = boot("flow3-install", machine, BootImages.MARKER);
    assertThat(install.reached()).as(install.describe()).isTrue();
    String installedUrl = BASE + "/api/1.0/hosts/" + NEW_UUID + "?installed=mark";
    install.assertShowsInOrder(
        "Next server: " + NetnsLab.SERVER_IP,
        Qemu.fetched("/ipxe/script/" + NEW_UUID),
        "/ipxe/module/" + NEW_UUID,
        "/ipxe/kernel/" + NEW_UUID,
        BootData.cmdline(BASE, NEW_UUID),
        " e2e.installed=" + installedUrl + "&boot_token=",
        "PRODUCT_UUID: " + NEW_UUID,
        // what a kickstart's %post does at the end of the install: call the host's installed_url
        "INSTALLED-CALLED: " + installedUrl + "&boot_token=",
        BootImages.MARKER);
    // Both installs were served from Bergenholm's image cache after one upstream fetch.
    assertThat(lab.upstreamRequests("vmlinuz")).isEqualTo(1);
    assertThat(lab.upstreamRequests("initrd.gz")).isEqualTo(1);
    assertThat(getJson("/api/1.0/hosts/" + NEW_UUID + "?params=all").path("installed_url").asText())
        .startsWith(installedUrl + "&boot_token=");
    assertThat(getJson("/api/1.0/hosts/" + NEW_UUID).path("groups").toString())
        .contains("\"installed\"");

    Qemu.Boot local = boot("flow3-localboot", machine, LocalDisk.MARKER);
    assertThat(local.reached()).as(local.describe()).isTrue();
    local.assertShowsInOrder(
        Qemu.fetched("/ipxe/script/" + NEW_UUID), "Trying boot from local disk", LocalDisk.MARKER);
    assertThat(local.console()).doesNotContain(BootImages.MARKER).doesNotContain("/ipxe/kernel/");
    BootTimeline.assertSteps(
        server,
        MGMT,
        since,
        Instant.now(),
        NEW_UUID,
        NEW_MAC,
        Step.of("script.served").ok().with("purpose", "install"),
        Step.of("image.streamed").ok().with("source", "cache"),
        Step.of("image.streamed").ok().with("image", "kernel").with("source", "cache"),
        Step.of("host.installed").ok(),
        Step.of("dhcp.offer").ok(),
        Step.of("script.served").ok().with("purpose", "local"));
    BootTimeline.assertMoved(
        before,
        BootTimeline.metrics(server, MGMT),
        Map.of(
            "bergenholm_images_streamed_total{outcome=\"ok\",source=\"cache\"}", 2.0,
            "bergenholm_image_requests_total{result=\"hit\"}", 2.0,
            "bergenholm_installs_completed_total", 1.0,
            "bergenholm_scripts_served_total{purpose=\"local\"}", 1.0));
    JsonNode detail = getJson("/api/1.0/hosts/?detail=1").path("detail").path(NEW_UUID);
    assertThat(detail.path("state").asText()).isEqualTo("installed");
    assertThat(Instant.parse(detail.path("last_seen").asText())).isAfter(since);
  }
}
