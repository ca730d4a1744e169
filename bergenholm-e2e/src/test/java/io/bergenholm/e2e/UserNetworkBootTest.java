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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Flow 4: an install without root, for machines where network namespaces are not allowed. QEMU's
 * user networking, restricted so that the guest reaches nothing but one forwarded address, carries
 * iPXE to Bergenholm's HTTP side on loopback; iPXE is started from {@code ipxe.lkrn}, fetches its
 * per-host script, and boots the kernel and initrd that Bergenholm streams from a separate upstream
 * server.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UserNetworkBootTest {
  private static final String UUID = "4c4c4544-0042-3510-8052-b4c04f4e4a31";
  /** The address the guest reaches Bergenholm on: slirp forwards it to the server's loopback port. */
  private static final String GUEST_BASE = "http://10.0.2.100";

  @Test
  void installsOverRestrictedUserNetworking() throws Exception {
    assumeTrue(Shell.available("qemu-system-x86_64") && Shell.available("socat")
        && Files.exists(Path.of("/usr/lib/ipxe/ipxe.lkrn")), "needs qemu-system-x86, socat and ipxe");
    Path out = E2eOutput.directory("user-network");
    Path images = BootImages.ensure();
    try (Upstream upstream = new Upstream(images)) {
      Path data = BootData.write(out.resolve("data"), GUEST_BASE, upstream.url());
      Files.writeString(data.resolve("hosts/" + UUID), "{\"groups\": [\"" + BootData.INSTALL_GROUP + "\"]}");
      String http = "127.0.0.1:" + BergenholmProcess.freePort();
      try (BergenholmProcess server = BergenholmProcess.start(Optional.empty(), out.resolve("bergenholm.log"),
          http, List.of("--store", "file:" + data, "--http", http,
              "-E", "images.cache_dir=" + out.resolve("image-cache")))) {
        List<String> cmd = Qemu.Machine.of(UUID, "52:54:00:e2:e0:04").arguments();
        cmd.addAll(List.of(
            "-netdev", "user,id=n0,ipv6=off,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:" + http,
            "-kernel", "/usr/lib/ipxe/ipxe.lkrn",
            "-append", "ifconf -c dhcp net0 && chain " + GUEST_BASE + "/ipxe/script/${uuid}"));
        long mark = server.mark();
        Qemu.Boot boot = Qemu.boot("flow4-install", cmd, out,
            Pattern.compile(Pattern.quote(BootImages.MARKER)), Duration.ofMinutes(5));
        E2eOutput.record(out, boot, server.logSince(mark));

        assertThat(boot.reached()).as(boot.describe()).isTrue();
        assertThat(boot.console())
            .contains(GUEST_BASE + "/ipxe/script/" + UUID + "... ok")
            .contains(GUEST_BASE + "/ipxe/kernel/" + UUID)
            .contains("CMDLINE: console=ttyS0 panic=-1 ks=" + GUEST_BASE + "/api/1.0/templates/"
                + BootData.KICKSTART + "/" + UUID + " e2e.host=" + UUID)
            .contains("PRODUCT_UUID: " + UUID);
        assertThat(upstream.requests("vmlinuz")).isEqualTo(1);
        assertThat(upstream.requests("initrd.gz")).isEqualTo(1);
      }
    }
  }
}
