package io.bergenholm.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Flow 4: an install without root. QEMU's user networking (restricted: the guest reaches nothing
 * but the one forwarded address) carries iPXE to Bergenholm's HTTP side on loopback; iPXE is
 * started from {@code ipxe.lkrn}, fetches its per-host script, and boots the kernel and initrd
 * that Bergenholm streams from a separate upstream server.
 */
class UserNetworkBootTest {
  private static final String UUID = "4c4c4544-0042-3510-8052-b4c04f4e4a31";

  @Test
  void installsOverUserNetworking() throws Exception {
    assumeTrue(Shell.available("qemu-system-x86_64") && Shell.available("socat")
        && Files.exists(Path.of("/usr/lib/ipxe/ipxe.lkrn")), "needs qemu-system-x86, socat and ipxe");
    Path out = E2eOutput.directory("user-network-install");
    Path images = BootImages.ensure();
    try (Upstream upstream = new Upstream(images)) {
      Path data = BootData.write(out.resolve("data"), "http://10.0.2.100", upstream.url());
      Files.writeString(data.resolve("hosts/" + UUID), "{\"groups\": [\"" + BootData.INSTALL_GROUP + "\"]}");
      int port = BergenholmProcess.freePort();
      String http = "127.0.0.1:" + port;
      try (BergenholmProcess server = BergenholmProcess.start(Optional.empty(), out.resolve("bergenholm.log"),
          http, List.of("--store", "file:" + data, "--http", http))) {
        List<String> cmd = Qemu.baseCommand(new Qemu.Machine(UUID, "52:54:00:e2:e0:04", null, null, null));
        cmd.addAll(List.of(
            "-netdev", "user,id=n0,ipv6=off,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat - TCP:" + http,
            "-kernel", "/usr/lib/ipxe/ipxe.lkrn",
            "-append", "ifconf -c dhcp net0 && chain http://10.0.2.100/ipxe/script/${uuid}"));
        Qemu.Boot boot = Qemu.boot(cmd, out.resolve("console.log"),
            Pattern.compile(Pattern.quote(BootImages.MARKER)), Duration.ofSeconds(240));
        E2eOutput.record(out, "flow 4 (user networking, no root)", boot, server.logText());

        assertThat(boot.reached()).as("boot: %s%nconsole:%n%s", boot, boot.console()).isTrue();
        assertThat(boot.console())
            .contains("CMDLINE:")
            .contains("ks=http://10.0.2.100/api/1.0/templates/e2e.ks/" + UUID)
            .contains("e2e.host=" + UUID)
            .contains("PRODUCT_UUID: " + UUID);
        assertThat(upstream.requests("vmlinuz")).isEqualTo(1);
        assertThat(upstream.requests("initrd.gz")).isEqualTo(1);
      }
    }
  }
}
