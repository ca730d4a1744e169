package io.bergenholm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Flow 4: an install without root, for machines where network namespaces are not allowed. QEMU's
 * user networking, restricted so that the guest reaches nothing but one forwarded address, carries
 * iPXE to Bergenholm's HTTP side on loopback; iPXE is started from {@code ipxe.lkrn}, fetches its
 * per-host script, and boots the kernel and initrd that Bergenholm streams from a separate upstream
 * server. The same setup shows that a boot that fails ends at the console's first sign of it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UserNetworkBootTest {
  private static final String UUID = "4c4c4544-0042-3510-8052-b4c04f4e4a31";
  private static final String BROKEN_UUID = "4c4c4544-0042-3510-8052-b4c04f4e4a32";
  private static final String BROKEN_GROUP = "e2e-missing-kernel";

  /**
   * The address the guest reaches Bergenholm on: slirp forwards it to the server's loopback port.
   */
  private static final String GUEST_BASE = "http://10.0.2.100";

  private static Path out;
  private static Upstream upstream;
  private static BergenholmProcess server;
  private static String http;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        Shell.available("qemu-system-x86_64")
            && Shell.available("socat")
            && Files.exists(Path.of("/usr/lib/ipxe/ipxe.lkrn")),
        "needs qemu-system-x86, socat and ipxe");
    out = E2eOutput.directory("user-network");
    upstream = new Upstream(BootImages.ensure());
    Path data = BootData.write(out.resolve("data"), GUEST_BASE, upstream.url());
    Files.writeString(
        data.resolve("hosts/" + UUID), "{\"groups\": [\"" + BootData.INSTALL_GROUP + "\"]}");
    Files.writeString(
        data.resolve("groups/" + BROKEN_GROUP),
        """
        {"groups": ["%s"], "kernel": "{{image_base_url}}/no-such-vmlinuz"}
        """
            .formatted(BootData.INSTALL_GROUP));
    Files.writeString(
        data.resolve("hosts/" + BROKEN_UUID), "{\"groups\": [\"" + BROKEN_GROUP + "\"]}");
    http = "127.0.0.1:" + BergenholmProcess.freePort();
    server =
        BergenholmProcess.start(
            Optional.empty(),
            out.resolve("bergenholm.log"),
            http,
            List.of(
                "--store",
                "file:" + data,
                "--http",
                http,
                "-E",
                "images.cache_dir=" + out.resolve("image-cache"),
                "-E",
                "boot.secret_file=" + out.resolve("boot-secret"),
                // The upstream of this test runs on this machine's loopback.
                "-E",
                "images.allow_loopback=true"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static Qemu.Boot boot(String name, String uuid, String mac, String goal)
      throws Exception {
    List<String> cmd = Qemu.Machine.of(uuid, mac).arguments();
    cmd.addAll(
        List.of(
            "-netdev",
                "user,id=n0,ipv6=off,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:"
                    + http,
            "-kernel", "/usr/lib/ipxe/ipxe.lkrn",
            "-append", "ifconf -c dhcp net0 && chain " + GUEST_BASE + "/ipxe/script/${uuid}"));
    long mark = server.mark();
    Qemu.Boot boot =
        Qemu.boot(name, cmd, out, Pattern.compile(Pattern.quote(goal)), Duration.ofMinutes(5));
    E2eOutput.record(out, boot, server.logSince(mark));
    return boot;
  }

  @Test
  void flow4InstallsOverRestrictedUserNetworking() throws Exception {
    Qemu.Boot boot = boot("flow4-install", UUID, "52:54:00:e2:e0:04", BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        Qemu.fetched(GUEST_BASE + "/ipxe/script/" + UUID),
        GUEST_BASE + "/ipxe/module/" + UUID,
        GUEST_BASE + "/ipxe/kernel/" + UUID,
        "Linux version",
        BootData.cmdline(GUEST_BASE, UUID),
        "PRODUCT_UUID: " + UUID,
        "INSTALLED-CALLED: "
            + GUEST_BASE
            + "/api/1.0/hosts/"
            + UUID
            + "?installed=mark&boot_token=",
        BootImages.MARKER);
    Shell.Result host =
        Shell.run(
            List.of(
                "curl",
                "-sS",
                "-f",
                "--max-time",
                "30",
                "http://" + http + "/api/1.0/hosts/" + UUID));
    assertThat(host.output()).as("the initrd marked its host installed").contains("\"installed\"");
    assertThat(upstream.requests("vmlinuz")).isEqualTo(1);
    assertThat(upstream.requests("initrd.gz")).isEqualTo(1);
  }

  @Test
  void aBootThatFailsEndsAtItsFirstSignNotAtTheLimit() throws Exception {
    Qemu.Boot boot = boot("missing-kernel", BROKEN_UUID, "52:54:00:e2:e0:05", BootImages.MARKER);

    assertThat(boot.reached()).as(boot.describe()).isFalse();
    assertThat(boot.failure()).as(boot.describe()).isPresent();
    assertThat(boot.failure().get()).startsWith("console shows");
    assertThat(boot.elapsed()).as(boot.describe()).isLessThan(Duration.ofSeconds(90));
    boot.assertShowsInOrder(
        Qemu.fetched(GUEST_BASE + "/ipxe/script/" + BROKEN_UUID),
        GUEST_BASE + "/ipxe/kernel/" + BROKEN_UUID);
    assertThat(upstream.requests("no-such-vmlinuz")).isGreaterThanOrEqualTo(1);
  }
}
