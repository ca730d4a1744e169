package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
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
      assertThat(r.body())
          .contains("boot credential")
          .doesNotContain(s.engine.bootCredentials().tokenFor("register"));
      assertThat(groups(s, "register")).doesNotContain("installed");

      s.engine.markInstalled("samplehost", true);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=unmark").statusCode()).isEqualTo(403);
      // Another host's credential is not this one's.
      String other = s.engine.bootCredentials().tokenFor("default");
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
    }
  }

  @Test
  void theHostsOwnCredentialMarksItAndReadsItsKickstartAndHeadNeverWrites() {
    try (TestServer s = split(BootAccess.secure())) {
      String token = s.engine.bootCredentials().tokenFor("samplehost");
      // The credential reaches the host through the values the server renders for it.
      s.engine.replaceGroup(
          "default",
          s.engine
              .group("default")
              .orElseThrow()
              .value()
              .with(
                  "installed_url",
                  "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark&boot_token={{boot_token}}"),
          java.util.Optional.empty());
      assertThat(
              s.engine
                  .resolveHost("samplehost")
                  .params()
                  .get("installed_url")
                  .orElseThrow()
                  .toString())
          .endsWith("?installed=mark&boot_token=" + token);

      HttpResponse<String> head =
          s.send("HEAD", "/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token, null);
      assertThat(head.statusCode()).isEqualTo(405);
      assertThat(groups(s, "samplehost")).doesNotContain("installed");

      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token).statusCode())
          .isEqualTo(200);
      assertThat(groups(s, "samplehost")).contains("installed");
      assertThat(
              s.get("/api/1.0/hosts/samplehost?installed=unmark&boot_token=" + token).statusCode())
          .isEqualTo(200);
      assertThat(groups(s, "samplehost")).doesNotContain("installed");
      assertThat(s.get("/api/1.0/templates/ks/samplehost?boot_token=" + token).body())
          .contains("rootpw hunter2hunter2");

      // Reads of the host mask the credential itself like any secret.
      TestServer mgmt = s.atPort(s.server.managementAddress().orElseThrow().getPort());
      String all = mgmt.get("/api/1.0/hosts/samplehost?params=all").body();
      assertThat(all).contains("\"boot_token\":\"" + Secrets.MASK + "\"");
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
