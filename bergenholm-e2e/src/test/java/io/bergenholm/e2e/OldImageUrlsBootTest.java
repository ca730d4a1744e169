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
 * The Python project's image URLs under real iPXE: its {@code linux.ipxe} fetches the first module
 * as {@code /ipxe/module/<uuid>/0} (when {@code module0} is set) and its old clients use {@code
 * /ipxe/initrd/<uuid>}; Bergenholm answers both with 301 to {@code /ipxe/module/<uuid>}, and iPXE
 * must follow that and install. Over restricted user networking, as {@link UserNetworkBootTest}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OldImageUrlsBootTest {
  private static final String UUID = "4c4c4544-0042-3510-8052-b4c04f4e4a41";
  private static final String GUEST_BASE = "http://10.0.2.100";
  private static final String GROUP = "e2e-old-image-urls";

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
    out = E2eOutput.directory("old-image-urls");
    upstream = new Upstream(BootImages.ensure());
    Path data = BootData.write(out.resolve("data"), GUEST_BASE, upstream.url());
    Files.writeString(
        data.resolve("groups/" + GROUP),
        """
        {"groups": ["%s"], "module0": "{{image_base_url}}/initrd.gz", "ipxe_script": "old-image-urls.ipxe"}
        """
            .formatted(BootData.INSTALL_GROUP));
    Files.writeString(
        data.resolve("templates/old-image-urls.ipxe"),
        """
        #!ipxe
        imgfetch --name probe {{ipxe_url}}/initrd/${uuid} && imgfree probe
        module --name module0 {{ipxe_url}}/module/${uuid}/0
        kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}
        boot
        """);
    Files.writeString(data.resolve("hosts/" + UUID), "{\"groups\": [\"" + GROUP + "\"]}");
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

  @Test
  void ipxeFollowsTheRedirectsOfTheOldImageUrlsAndInstalls() throws Exception {
    List<String> cmd = Qemu.Machine.of(UUID, "52:54:00:e2:e0:41").arguments();
    cmd.addAll(
        List.of(
            "-netdev",
                "user,id=n0,ipv6=off,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:"
                    + http,
            "-kernel", "/usr/lib/ipxe/ipxe.lkrn",
            "-append", "ifconf -c dhcp net0 && chain " + GUEST_BASE + "/ipxe/script/${uuid}"));
    long mark = server.mark();
    Qemu.Boot boot =
        Qemu.boot(
            "old-image-urls",
            cmd,
            out,
            Pattern.compile(Pattern.quote(BootImages.MARKER)),
            Duration.ofMinutes(5));
    String log = server.logSince(mark);
    E2eOutput.record(out, boot, log);

    assertThat(boot.reached()).as(boot.describe()).isTrue();
    boot.assertShowsInOrder(
        Qemu.fetched(GUEST_BASE + "/ipxe/script/" + UUID),
        GUEST_BASE + "/ipxe/initrd/" + UUID,
        GUEST_BASE + "/ipxe/module/" + UUID + "/0",
        GUEST_BASE + "/ipxe/kernel/" + UUID,
        "Linux version",
        BootImages.MARKER);
  }
}
