package io.bergenholm.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's snippets for sites that keep their own DHCP server pass the syntax check of the
 * server they are for: {@code dnsmasq --test}, {@code dhcpd -t}, {@code kea-dhcp4 -t}. Each snippet
 * is placed into the smallest configuration around it (a subnet, a range), taken from the README as
 * it is.
 */
class DhcpSnippetsTest {
  private static final Path README = Path.of("../README.md").toAbsolutePath().normalize();

  @TempDir Path dir;

  /** The first fenced block after the line that starts with {@code intro}. */
  private static String snippet(String intro) throws IOException {
    List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
    int i = 0;
    while (i < lines.size() && !lines.get(i).startsWith(intro)) {
      i++;
    }
    assertThat(i).as("README has no line starting with '%s'", intro).isLessThan(lines.size());
    while (!lines.get(i).startsWith("```")) {
      i++;
    }
    StringBuilder b = new StringBuilder();
    for (i++; !lines.get(i).startsWith("```"); i++) {
      b.append(lines.get(i)).append('\n');
    }
    return b.toString();
  }

  private static String tool(String... candidates) {
    for (String c : candidates) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    assumeTrue(
        false,
        "none of "
            + String.join(", ", candidates)
            + " is installed"
            + " (scripts/test installs dnsmasq-base, isc-dhcp-server and kea-dhcp4-server as root)");
    return null;
  }

  private static String check(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finishes", command[0]).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", command), out).isZero();
    return out;
  }

  @Test
  void dnsmasqAcceptsItsSnippet() throws Exception {
    String dnsmasq = tool("/usr/sbin/dnsmasq");
    String text = snippet("dnsmasq (");
    assertThat(text).contains("undionly.kpxe").contains("ipxe.efi").contains("/ipxe/boot.ipxe");
    Path conf =
        Files.writeString(
            dir.resolve("dnsmasq.conf"), "port=0\ndhcp-range=192.0.2.100,192.0.2.200\n" + text);
    assertThat(check(dnsmasq, "--test", "-C", conf.toString())).contains("syntax check OK");
    // The check is real: a misspelt option fails it.
    Path bad =
        Files.writeString(dir.resolve("bad.conf"), text.replace("dhcp-userclass", "dhcp-userclas"));
    Process p =
        new ProcessBuilder(dnsmasq, "--test", "-C", bad.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
  }

  @Test
  void iscDhcpdAcceptsItsSnippet() throws Exception {
    String dhcpd = tool("/usr/sbin/dhcpd");
    String text = snippet("ISC dhcpd (");
    assertThat(text).contains("undionly.kpxe").contains("ipxe.efi").contains("/ipxe/boot.ipxe");
    String option = text.lines().filter(l -> l.startsWith("option ")).findFirst().orElseThrow();
    String rest = text.replace(option + "\n", "");
    Path conf =
        Files.writeString(
            dir.resolve("dhcpd.conf"),
            option
                + "\nsubnet 192.0.2.0 netmask 255.255.255.0 {\n"
                + "  range 192.0.2.100 192.0.2.200;\n"
                + rest
                + "}\n");
    check(dhcpd, "-t", "-cf", conf.toString());
  }

  @Test
  void keaAcceptsItsSnippet() throws Exception {
    String kea = tool("/usr/sbin/kea-dhcp4");
    String text = snippet("Kea (");
    assertThat(text).contains("undionly.kpxe").contains("ipxe.efi").contains("/ipxe/boot.ipxe");
    Path conf =
        Files.writeString(
            dir.resolve("kea-dhcp4.conf"),
            "{ \"Dhcp4\": {\n"
                + "\"interfaces-config\": { \"interfaces\": [] },\n"
                + "\"lease-database\": { \"type\": \"memfile\", \"persist\": false },\n"
                + "\"subnet4\": [ { \"id\": 1, \"subnet\": \"192.0.2.0/24\","
                + " \"pools\": [ { \"pool\": \"192.0.2.100 - 192.0.2.200\" } ] } ],\n"
                + text
                + "} }\n");
    check(kea, "-t", conf.toString());
  }
}
