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
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Flows 1 to 3 on an isolated network (needs root): a plain site DHCP server hands out addresses,
 * Bergenholm's proxyDHCP, TFTP and HTTP do the rest, and an unmodified PXE client (QEMU's iPXE
 * option ROM) boots through them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetnsBootTest {
  private static final String INSTALL_UUID = "8c6e2b1a-4f3d-4c2e-9a7b-0000000000a1";
  private static final String NEW_UUID = "8c6e2b1a-4f3d-4c2e-9a7b-0000000000b2";
  private static final String HTTP = NetnsLab.SERVER_IP + ":8080";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path out;
  private static NetnsLab lab;
  private static BergenholmProcess server;

  @BeforeAll
  static void startLab() throws Exception {
    assumeTrue(NetnsLab.supported(), "needs root, /dev/net/tun, iproute2, dnsmasq and qemu-system-x86");
    out = E2eOutput.directory("netns");
    Path images = BootImages.ensure();
    lab = NetnsLab.create(out);
    lab.startSiteDhcp();
    String upstream = lab.startUpstream(images);
    Path data = BootData.write(out.resolve("data"), "http://" + HTTP, upstream);
    Files.writeString(data.resolve("hosts/" + INSTALL_UUID),
        "{\"groups\": [\"" + BootData.INSTALL_GROUP + "\"], \"hostname\": \"e2e-install\"}");
    server = BergenholmProcess.start(Optional.of(lab.ns), out.resolve("bergenholm.log"), HTTP, List.of(
        "--store", "file:" + data,
        "--http", HTTP,
        "--tftp", NetnsLab.SERVER_IP + ":69",
        "--tftp-root", "/usr/lib/ipxe",
        "--proxy-dhcp", NetnsLab.SERVER_IP));
  }

  @AfterAll
  static void stopLab() {
    if (server != null) {
      server.close();
    }
    if (lab != null) {
      lab.close();
    }
  }

  private static Qemu.Boot boot(String flow, Qemu.Machine machine, Pattern goal) throws Exception {
    List<String> cmd = Qemu.baseCommand(machine);
    cmd.addAll(0, List.of("ip", "netns", "exec", lab.ns));
    cmd.addAll(List.of("-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"));
    Qemu.Boot boot = Qemu.boot(cmd, out.resolve(flow + "-console.log"), goal, Duration.ofSeconds(240));
    E2eOutput.record(out, flow, boot, server.logText());
    return boot;
  }

  private static JsonNode getJson(String path) throws Exception {
    Shell.Result r = server.curl("-sf", "http://" + HTTP + path);
    assertThat(r.exit()).as("GET %s: %s", path, r.output()).isZero();
    return JSON.readTree(r.output());
  }

  @Test
  @Order(1)
  void flow1InstallsThroughProxyDhcpTftpAndHttp() throws Exception {
    Qemu.Boot boot = boot("flow1-install",
        new Qemu.Machine(INSTALL_UUID, "52:54:00:e2:e0:01", null, null, null),
        Pattern.compile(Pattern.quote(BootImages.MARKER)));

    assertThat(boot.reached()).as("boot: %s%nconsole:%n%s", boot, boot.console()).isTrue();
    assertThat(boot.console())
        .contains("ks=http://" + HTTP + "/api/1.0/templates/e2e.ks/" + INSTALL_UUID)
        .contains("e2e.host=" + INSTALL_UUID)
        .contains("PRODUCT_UUID: " + INSTALL_UUID);
    assertThat(lab.upstreamRequests("vmlinuz")).isEqualTo(1);
  }

  @Test
  @Order(2)
  void flow2UnknownMachineRegistersItselfThenTriesLocalDisk() throws Exception {
    Qemu.Boot boot = boot("flow2-register",
        new Qemu.Machine(NEW_UUID, "52:54:00:e2:e0:02", "Acme", "Rack9000", "SN0042"),
        Pattern.compile("Registered; trying boot from local disk"));

    assertThat(boot.reached()).as("boot: %s%nconsole:%n%s", boot, boot.console()).isTrue();
    JsonNode host = getJson("/api/1.0/hosts/" + NEW_UUID);
    assertThat(host.path("manufacturer").asText()).isEqualTo("Acme");
    assertThat(host.path("product").asText()).isEqualTo("Rack9000");
    assertThat(host.path("serial").asText()).isEqualTo("SN0042");
    assertThat(host.path("groups").toString()).contains("default");
  }

  @Test
  @Order(3)
  void flow3OperatorFlipsTheHostIntoAnInstallThenItBootsLocally() throws Exception {
    JsonNode stored = getJson("/api/1.0/hosts/" + NEW_UUID);
    var params = (com.fasterxml.jackson.databind.node.ObjectNode) stored;
    params.set("groups", JSON.createArrayNode().add(BootData.INSTALL_GROUP));
    Shell.Result put = server.curl("-sf", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
        "-H", "Content-Type: application/json", "--data-binary", JSON.writeValueAsString(params),
        "http://" + HTTP + "/api/1.0/hosts/" + NEW_UUID);
    assertThat(put.output()).isEqualTo("202");

    Qemu.Machine machine = new Qemu.Machine(NEW_UUID, "52:54:00:e2:e0:02", "Acme", "Rack9000", "SN0042");
    Qemu.Boot install = boot("flow3-install", machine, Pattern.compile(Pattern.quote(BootImages.MARKER)));
    assertThat(install.reached()).as("boot: %s%nconsole:%n%s", install, install.console()).isTrue();
    assertThat(install.console()).contains("ks=http://" + HTTP + "/api/1.0/templates/e2e.ks/" + NEW_UUID);

    // What the kickstart's %post does at the end of an install: call the host's installed_url.
    JsonNode resolved = getJson("/api/1.0/hosts/" + NEW_UUID + "?params=all");
    String installedUrl = resolved.path("installed_url").asText();
    assertThat(installedUrl).isEqualTo("http://" + HTTP + "/api/1.0/hosts/" + NEW_UUID + "?installed=mark");
    assertThat(server.curl("-sf", "-o", "/dev/null", installedUrl).exit()).isZero();
    assertThat(getJson("/api/1.0/hosts/" + NEW_UUID).path("groups").toString()).contains("installed");

    Qemu.Boot local = boot("flow3-localboot", machine, Pattern.compile("Trying boot from local disk"));
    assertThat(local.reached()).as("boot: %s%nconsole:%n%s", local, local.console()).isTrue();
    assertThat(local.console()).doesNotContain(BootImages.MARKER);
  }
}
