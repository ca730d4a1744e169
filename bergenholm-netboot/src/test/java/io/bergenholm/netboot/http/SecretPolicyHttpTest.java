package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.assertError;
import static io.bergenholm.netboot.http.HttpRoutesTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One secrets policy on every management read, over real HTTP. */
class SecretPolicyHttpTest {
  private TestServer s;

  @BeforeEach
  void start() {
    s = TestServer.start().seeded();
    // root_password (hunter2hunter2) comes from group default; these values are derived from it.
    assertThat(
            s.send(
                    "POST",
                    "/api/1.0/hosts/web1",
                    "{\"groups\": [\"default\"],"
                        + " \"ipmi_password\": \"bmc-s3cret\","
                        + " \"kernel_opts\": \"rootpw={{ root_password }} ks=x\","
                        + " \"proxy_url\": \"http://squid:pr0xy-pw@10.0.0.1:3128/\","
                        + " \"kernel\": \"https://mirror:m1rror-pw@mirror.example/vmlinuz\","
                        + " \"notes\": [\"bmc is {{ ipmi_password }}\"]}")
                .statusCode())
        .isEqualTo(201);
  }

  @AfterEach
  void stop() {
    s.close();
  }

  @Test
  void valuesDerivedFromSecretsAreMaskedInResolvedReadsAndExplain() {
    String all = s.get("/api/1.0/hosts/web1?params=all").body();
    assertThat(all)
        .doesNotContain("hunter2hunter2")
        .doesNotContain("bmc-s3cret")
        .doesNotContain("pr0xy-pw")
        .doesNotContain("m1rror-pw");
    JsonNode resolved = json(s.get("/api/1.0/hosts/web1?params=all"));
    assertThat(resolved.path("kernel_opts").asText()).isEqualTo("rootpw=" + Secrets.MASK + " ks=x");
    assertThat(resolved.path("notes").get(0).asText()).isEqualTo("bmc is " + Secrets.MASK);
    assertThat(resolved.path("proxy_url").asText())
        .isEqualTo("http://squid:" + Secrets.MASK + "@10.0.0.1:3128/");

    String explain = s.get("/api/1.0/hosts/web1?explain=1").body();
    assertThat(explain)
        .doesNotContain("hunter2hunter2")
        .doesNotContain("bmc-s3cret")
        .doesNotContain("pr0xy-pw");
    assertThat(
            json(s.get("/api/1.0/hosts/web1?explain=1"))
                .path("kernel_opts")
                .path("expanded")
                .asText())
        .isEqualTo("rootpw=" + Secrets.MASK + " ks=x");
    // Shown to a caller with write access that asks, as documented.
    assertThat(s.get("/api/1.0/hosts/web1?params=all&secrets=show").body())
        .contains("rootpw=hunter2hunter2");
  }

  @Test
  void valuesDerivedThroughFiltersExpressionsOrShortSecretsAreMaskedWhole() {
    assertThat(
            s.send(
                    "POST",
                    "/api/1.0/hosts/web2",
                    "{\"groups\": [\"default\"],"
                        + " \"pin_password\": \"42\","
                        + " \"shout\": \"rootpw={{ root_password|upper }} ks=x\","
                        + " \"reversed\": \"{% for c in root_password|list|reverse %}{{ c }}{% endfor %}\","
                        + " \"pin_note\": \"pin {{ pin_password }}\","
                        + " \"chained\": \"[{{ shout }}]\","
                        + " \"copied\": \"pw={{ root_password }}\","
                        + " \"copy_of_copy\": \"{{ copied }}!\","
                        + " \"callback\": \"{{ base_url }}/x?boot_token={{ boot_token }}\","
                        + " \"plain\": \"nothing {{ hostname }}\","
                        + " \"hostname\": \"web2\"}")
                .statusCode())
        .isEqualTo(201);
    HttpResponse<String> shown = s.get("/api/1.0/hosts/web2?params=all&secrets=show");
    assertThat(shown.body())
        .contains("HUNTER2HUNTER2")
        .contains("2retnuh2retnuh")
        .contains("pin 42");

    String all = s.get("/api/1.0/hosts/web2?params=all").body();
    assertThat(all)
        .doesNotContain("HUNTER2HUNTER2")
        .doesNotContain("hunter2hunter2")
        .doesNotContain("2retnuh2retnuh")
        .doesNotContain("pin 42");
    JsonNode resolved = json(s.get("/api/1.0/hosts/web2?params=all"));
    for (String whole : List.of("shout", "reversed", "pin_note", "chained", "pin_password")) {
      assertThat(resolved.path(whole).asText()).as(whole).isEqualTo(Secrets.MASK);
    }
    // A verbatim copy keeps its masking exact, and the rest of the value readable.
    assertThat(resolved.path("copied").asText()).isEqualTo("pw=" + Secrets.MASK);
    assertThat(resolved.path("copy_of_copy").asText()).isEqualTo("pw=" + Secrets.MASK + "!");
    assertThat(resolved.path("callback").asText())
        .isEqualTo("http://192.168.10.254/x?boot_token=" + Secrets.MASK);
    assertThat(resolved.path("plain").asText()).isEqualTo("nothing web2");

    JsonNode explain = json(s.get("/api/1.0/hosts/web2?explain=1"));
    assertThat(explain.toString()).doesNotContain("HUNTER2HUNTER2").doesNotContain("pin 42");
    assertThat(explain.path("shout").path("expanded").asText()).isEqualTo(Secrets.MASK);
    // The template text itself is shown: it names the secret, it does not hold it.
    assertThat(explain.path("shout").path("raw").asText())
        .isEqualTo("rootpw={{ root_password|upper }} ks=x");
  }

  @Test
  void urlPasswordsAreMaskedInStoredReadsAndKeptOnWriteBack() {
    String stored = s.get("/api/1.0/hosts/web1").body();
    assertThat(stored)
        .doesNotContain("pr0xy-pw")
        .doesNotContain("m1rror-pw")
        .doesNotContain("bmc-s3cret")
        .contains("https://mirror:" + Secrets.MASK + "@mirror.example/vmlinuz");
    String edited = stored.replace("\"groups\"", "\"rack\": \"r7\", \"groups\"");
    assertThat(s.send("PUT", "/api/1.0/hosts/web1", edited).statusCode()).isEqualTo(202);
    JsonNode after = json(s.get("/api/1.0/hosts/web1?secrets=show"));
    assertThat(after.path("rack").asText()).isEqualTo("r7");
    assertThat(after.path("proxy_url").asText()).isEqualTo("http://squid:pr0xy-pw@10.0.0.1:3128/");
    assertThat(after.path("kernel").asText())
        .isEqualTo("https://mirror:m1rror-pw@mirror.example/vmlinuz");
    assertThat(after.path("ipmi_password").asText()).isEqualTo("bmc-s3cret");
    // A masked URL password with nothing stored behind it is refused rather than stored as the
    // mask.
    assertError(
        s.send(
            "PUT",
            "/api/1.0/hosts/web1",
            "{\"proxy_url\": \"http://other:" + Secrets.MASK + "@10.0.0.2:3128/\"}"),
        400,
        "mask");
  }

  @Test
  void filteringHostsByASecretIsRefused() {
    assertError(
        s.get("/api/1.0/hosts?ipmi_password=bmc-s3cret"), 400, "secret parameter 'ipmi_password'");
    assertError(
        s.get("/api/1.0/hosts?ipmi_password=wrong-guess"), 400, "secret parameter 'ipmi_password'");
    assertError(
        s.get("/api/1.0/hosts?proxy_url=http://squid:pr0xy-pw@10.0.0.1:3128/"),
        400,
        "URL with a password");
    assertThat(json(s.get("/api/1.0/hosts?groups=default")).path("hosts").toString())
        .contains("web1");
  }

  @Test
  void theBootSideStillServesTheRealValues() {
    s.engine.createTemplate("opts", "{{ kernel_opts }}");
    assertThat(s.get("/api/1.0/templates/opts/web1").body())
        .isEqualTo("rootpw=hunter2hunter2 ks=x");
  }
}
