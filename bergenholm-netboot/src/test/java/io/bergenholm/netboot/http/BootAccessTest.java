package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The install-state mark and rendered kickstarts, as an anonymous machine on the provisioning
 * network tries them against a running server with the management API on its own listener: refused
 * without the host's boot credential, allowed with it, and open only under the compatibility
 * settings.
 */
class BootAccessTest {

  private static TestServer split(BootAccess access) {
    HttpSettings settings =
        HttpSettings.of(TestServer.loopback())
            .withManagement(Listener.plain(TestServer.loopback()))
            .withBootAccess(access);
    return TestServer.start(TestServer.memoryEngine(), settings).seeded();
  }

  private static List<String> groups(TestServer s, String host) {
    return s.engine.host(host).orElseThrow().value().groups();
  }

  @Test
  void anonymousMachinesCannotMarkUnmarkOrReadKickstarts() {
    try (TestServer s = split(BootAccess.secure())) {
      // Marking 'register' installed used to stop self-registration for every new machine.
      HttpResponse<String> r = s.get("/api/1.0/hosts/register?installed=mark");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("boot credential");
      assertThat(groups(s, "register")).doesNotContain("installed");

      s.engine.markInstalled("samplehost", true);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=unmark").statusCode()).isEqualTo(403);
      // Another host's credential is not this one's.
      String other =
          s.engine.bootCredentials().issue("default", java.net.InetAddress.getLoopbackAddress());
      assertThat(
              s.get("/api/1.0/hosts/samplehost?installed=unmark&boot_token=" + other).statusCode())
          .isEqualTo(403);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=unmark&boot_token=").statusCode())
          .isEqualTo(403);
      assertThat(groups(s, "samplehost")).contains("installed");

      HttpResponse<String> ks = s.get("/api/1.0/templates/ks/samplehost");
      assertThat(ks.statusCode()).isEqualTo(403);
      assertThat(ks.body()).doesNotContain("hunter2");
      assertThat(s.get("/api/1.0/templates/ks/samplehost?boot_token=" + other).statusCode())
          .isEqualTo(403);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + other).statusCode())
          .isEqualTo(403);
    }
  }

  /** The kickstart URL and the installed URL carry the credential, as the sample data does. */
  private static void credentialInUrls(TestServer s) {
    s.engine.replaceGroup(
        "default",
        s.engine
            .group("default")
            .orElseThrow()
            .value()
            .with(
                "installed_url",
                "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark&boot_token={{boot_token}}"),
        Optional.empty());
    s.engine.replaceGroup(
        "centos",
        s.engine
            .group("centos")
            .orElseThrow()
            .value()
            .with(
                "kernel_opts",
                "ks={{base_url}}/api/1.0/templates/ks/{{uuid}}?boot_token={{boot_token}}"),
        Optional.empty());
    s.engine.replaceTemplate(
        "ks",
        "# kickstart for {{uuid}}\nrootpw {{root_password}}\n%post\ncurl '{{installed_url}}'\n%end\n",
        Optional.empty());
  }

  private static final Pattern CREDENTIAL =
      Pattern.compile("boot_token=([0-9a-z]+\\.[0-9a-f]+\\.[A-Za-z0-9_-]{43})");

  private static String credentialIn(String text) {
    Matcher m = CREDENTIAL.matcher(text);
    assertThat(m.find()).as("a boot credential in %s", text).isTrue();
    return m.group(1);
  }

  /** curl from another loopback address: a machine on another segment (127.0.1.0/24). */
  private static String[] curlFrom(String local, TestServer s, String path) throws Exception {
    Process p =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "20",
                "--interface",
                local,
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                s.base + path)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    int cut = out.lastIndexOf('\n');
    return new String[] {out.substring(cut + 1), out.substring(0, cut)};
  }

  @Test
  void theMachineGetsItsCredentialWithItsScriptAndOnlyItsSegmentCanUseItOnce() throws Exception {
    try (TestServer s = split(BootAccess.secure())) {
      credentialInUrls(s);
      // Anyone who names the host gets its script: the credential in it is issued to the
      // address that asked, not a constant of the host.
      String script = s.get("/ipxe/script/samplehost").body();
      String token = credentialIn(script);
      assertThat(script).doesNotContain(s.engine.bootCredentials().placeholder());

      // The installer, on the machine's segment, reads its kickstart; the installed_url in it
      // passes on the same credential.
      HttpResponse<String> ks = s.get("/api/1.0/templates/ks/samplehost?boot_token=" + token);
      assertThat(ks.statusCode()).isEqualTo(200);
      assertThat(ks.body())
          .contains("rootpw hunter2hunter2")
          .contains("?installed=mark&boot_token=" + token + "'");

      // A machine on another segment that read the script cannot use what it read.
      String[] stolen =
          curlFrom("127.0.1.1", s, "/api/1.0/templates/ks/samplehost?boot_token=" + token);
      assertThat(stolen[0]).isEqualTo("403");
      assertThat(stolen[1]).contains("issued to 127.0.0.0/24").doesNotContain("hunter2");
      String[] mark =
          curlFrom("127.0.1.1", s, "/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token);
      assertThat(mark[0]).isEqualTo("403");
      assertThat(groups(s, "samplehost")).doesNotContain("installed");
      // Nor can it take a credential of its own and then unmark an installed host.
      String own = credentialIn(curlFrom("127.0.1.1", s, "/ipxe/script/samplehost")[1]);
      // Each script served shows in the host's timeline with the address it went to.
      assertThat(s.engine.events().flush(5000)).isTrue();
      assertThat(
              s
                  .engine
                  .events()
                  .read(io.bergenholm.api.event.EventQuery.host("samplehost", 100))
                  .stream()
                  .filter(e -> e.kind().equals("script.served"))
                  .map(e -> e.ip().orElse("")))
          .containsExactly("127.0.0.1", "127.0.1.1");
      s.engine.markInstalled("samplehost", true);
      String[] unmark =
          curlFrom("127.0.1.1", s, "/api/1.0/hosts/samplehost?installed=unmark&boot_token=" + own);
      assertThat(unmark[0]).isEqualTo("403");
      assertThat(unmark[1]).contains("read-write management bearer token");
      assertThat(groups(s, "samplehost")).contains("installed");
      assertThat(
              s.get("/api/1.0/hosts/samplehost?installed=unmark&boot_token=" + token).statusCode())
          .isEqualTo(403);
      s.engine.markInstalled("samplehost", false);

      HttpResponse<String> head =
          s.send("HEAD", "/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token, null);
      assertThat(head.statusCode()).isEqualTo(405);
      assertThat(groups(s, "samplehost")).doesNotContain("installed");

      // The machine's %post marks it installed, which spends the credential.
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token).statusCode())
          .isEqualTo(200);
      assertThat(groups(s, "samplehost")).contains("installed");
      HttpResponse<String> again = s.get("/api/1.0/templates/ks/samplehost?boot_token=" + token);
      assertThat(again.statusCode()).isEqualTo(403);
      assertThat(again.body())
          .contains("was issued before the host was marked installed, which retired it");
      // An operator unmarks it to reinstall; the old credential cannot undo that.
      s.engine.markInstalled("samplehost", false);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token).statusCode())
          .isEqualTo(403);
      assertThat(groups(s, "samplehost")).doesNotContain("installed");

      // Reads of the host mask the credential itself like any secret.
      TestServer mgmt = s.atPort(s.server.managementAddress().orElseThrow().getPort());
      String all = mgmt.get("/api/1.0/hosts/samplehost?params=all").body();
      assertThat(all).contains("\"boot_token\":\"" + Secrets.MASK + "\"");
    }
  }

  @Test
  void aCredentialOlderThanItsLifetimeIsRefusedWithTheReason() {
    try (TestServer s = split(BootAccess.secure())) {
      String old =
          s.engine
              .bootCredentials()
              .issue(
                  "samplehost",
                  java.net.InetAddress.getLoopbackAddress(),
                  Instant.now().minus(s.engine.bootCredentials().lifetime()).minusSeconds(120));
      HttpResponse<String> r = s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + old);
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("older than its lifetime of 360 minutes");
      assertThat(groups(s, "samplehost")).doesNotContain("installed");
    }
  }

  @Test
  void theCompatibilitySettingsOpenEachRouteAlone() {
    try (TestServer s = split(new BootAccess(true, false))) {
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark").statusCode()).isEqualTo(200);
      assertThat(s.get("/api/1.0/templates/ks/samplehost").statusCode()).isEqualTo(403);
    }
    try (TestServer s = split(new BootAccess(false, true))) {
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark").statusCode()).isEqualTo(403);
      assertThat(s.get("/api/1.0/templates/ks/samplehost").body())
          .contains("rootpw hunter2hunter2");
    }
  }
}
