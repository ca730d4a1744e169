package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every REST and iPXE route over a real socket, with the old project's paths, codes and shapes. */
class HttpRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestServer s;

  @BeforeEach
  void start() {
    s = TestServer.start().seeded();
  }

  @AfterEach
  void stop() {
    s.close();
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  static void assertError(HttpResponse<String> r, int status, String reasonPart) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json(r).path("error").asText()).contains(reasonPart);
  }

  @Test
  void listsHostsWithAndWithoutTrailingSlash() {
    for (String path : List.of("/api/1.0/hosts", "/api/1.0/hosts/")) {
      HttpResponse<String> r = s.get(path);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).path("hosts"))
          .extracting(JsonNode::asText)
          .containsExactly("default", "register", "samplehost");
    }
    assertThat(json(s.get("/api/1.0/groups")).path("groups")).hasSize(5);
    assertThat(json(s.get("/api/1.0/groups/")).path("groups")).hasSize(5);
    assertThat(json(s.get("/api/1.0/templates")).path("templates"))
        .extracting(JsonNode::asText)
        .containsExactly("ks", "linux.ipxe", "localboot.ipxe", "register.ipxe");
    assertThat(json(s.get("/api/1.0/templates/")).path("templates")).hasSize(4);
  }

  @Test
  void filtersHostsByStoredParameters() {
    assertThat(json(s.get("/api/1.0/hosts/?hostname=test-200")).path("hosts"))
        .extracting(JsonNode::asText)
        .containsExactly("samplehost");
    assertThat(json(s.get("/api/1.0/hosts/?groups=default")).path("hosts"))
        .extracting(JsonNode::asText)
        .containsExactly("default");
    assertThat(json(s.get("/api/1.0/hosts/?hostname=test-200&ipaddr=10.0.0.1")).path("hosts"))
        .isEmpty();
  }

  @Test
  void readsStoredAndResolvedHosts() {
    JsonNode stored = json(s.get("/api/1.0/hosts/samplehost"));
    assertThat(stored.path("hostname").asText()).isEqualTo("test-200");
    assertThat(stored.has("kernel")).isFalse();

    JsonNode resolved = json(s.get("/api/1.0/hosts/samplehost?params=all"));
    assertThat(resolved.path("kernel").asText())
        .isEqualTo("http://mirror.example.org/centos-7/os/x86_64/images/pxeboot/vmlinuz");
    assertThat(resolved.path("kernel_opts").asText())
        .isEqualTo("ks=http://192.168.10.254/api/1.0/templates/ks/${uuid}");
    assertThat(resolved.path("uuid").asText()).isEqualTo("samplehost");

    assertError(s.get("/api/1.0/hosts/nosuchhost"), 404, "nosuchhost");
    JsonNode unknown = json(s.get("/api/1.0/hosts/0000-unknown?params=all"));
    assertThat(unknown.path("ipxe_script").asText()).isEqualTo("register.ipxe");
    assertThat(unknown.path("uuid").asText()).isEqualTo("0000-unknown");
  }

  @Test
  void explainsWhereEachParameterComesFrom() {
    JsonNode e = json(s.get("/api/1.0/hosts/samplehost?explain=1"));
    assertThat(e.path("hostname").path("source").asText()).isEqualTo("host:samplehost");
    assertThat(e.path("version").path("source").asText()).isEqualTo("group:centos7");
    assertThat(e.path("kernel").path("raw").asText())
        .isEqualTo("{{mirror_url}}/images/pxeboot/vmlinuz");
    assertThat(e.path("kernel").path("expanded").asText())
        .endsWith("/centos-7/os/x86_64/images/pxeboot/vmlinuz");
  }

  @Test
  void marksAndUnmarksInstalled() {
    HttpResponse<String> r = s.get("/api/1.0/hosts/samplehost?installed=mark");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(s.get("/api/1.0/hosts/samplehost")).path("groups"))
        .extracting(JsonNode::asText)
        .containsExactly("centos7", "installed");
    assertThat(s.get("/ipxe/script/samplehost").body()).contains("sanboot");
    assertThat(s.get("/api/1.0/hosts/samplehost?installed=unmark").statusCode()).isEqualTo(200);
    assertThat(json(s.get("/api/1.0/hosts/samplehost")).path("groups"))
        .extracting(JsonNode::asText)
        .containsExactly("centos7");
    assertError(s.get("/api/1.0/hosts/samplehost?installed=maybe"), 400, "installed");
    assertError(s.get("/api/1.0/hosts/nosuch?installed=mark"), 404, "nosuch");
  }

  @Test
  void createsReplacesAndDeletesHosts() {
    assertThat(
            s.send("POST", "/api/1.0/hosts/h1", "{\"groups\": [\"default\"], \"a\": 1}")
                .statusCode())
        .isEqualTo(201);
    assertError(s.send("POST", "/api/1.0/hosts/h1", "{}"), 400, "already exists");
    assertError(s.send("POST", "/api/1.0/hosts/h2", "[1, 2]"), 400, "JSON object");
    assertError(s.send("POST", "/api/1.0/hosts/h2", "{\"a\": "), 400, "not valid JSON");
    assertError(s.send("POST", "/api/1.0/hosts/h2", ""), 400, "empty");
    assertError(s.send("POST", "/api/1.0/hosts/h2", "{\"a\": 1, \"a\": 2}"), 400, "not valid JSON");
    assertThat(s.get("/api/1.0/hosts/h2").statusCode()).isEqualTo(404);

    assertThat(s.send("PUT", "/api/1.0/hosts/h1", "{\"a\": 2}").statusCode()).isEqualTo(202);
    assertThat(json(s.get("/api/1.0/hosts/h1")).path("a").asInt()).isEqualTo(2);
    assertError(s.send("PUT", "/api/1.0/hosts/nosuch", "{}"), 404, "nosuch");
    assertError(s.send("PUT", "/api/1.0/hosts/h1", "\"text\""), 400, "JSON object");

    HttpResponse<String> deleted = s.send("DELETE", "/api/1.0/hosts/h1", null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertError(s.send("DELETE", "/api/1.0/hosts/h1", null), 404, "h1");
  }

  @Test
  void createsReplacesAndDeletesGroups() {
    assertThat(
            s.send(
                    "POST",
                    "/api/1.0/groups/g1",
                    "{\"groups\": [\"centos7\"], \"x\": \"{{version}}\"}")
                .statusCode())
        .isEqualTo(201);
    assertError(s.send("POST", "/api/1.0/groups/g1", "{}"), 400, "already exists");
    JsonNode inherited = json(s.get("/api/1.0/groups/g1?params=all"));
    assertThat(inherited.path("x").asText()).isEqualTo("{{version}}");
    assertThat(inherited.path("version").asText()).isEqualTo("7");
    assertThat(inherited.path("ipxe_url").asText()).isEqualTo("{{base_url}}/ipxe");
    assertThat(s.send("PUT", "/api/1.0/groups/g1", "{\"x\": 1}").statusCode()).isEqualTo(202);
    assertError(s.send("PUT", "/api/1.0/groups/nosuch", "{}"), 404, "nosuch");
    assertError(s.get("/api/1.0/groups/nosuch"), 404, "nosuch");
    assertError(s.get("/api/1.0/groups/nosuch?params=all"), 404, "nosuch");
    assertThat(s.send("DELETE", "/api/1.0/groups/g1", null).statusCode()).isEqualTo(204);
    assertError(s.send("DELETE", "/api/1.0/groups/g1", null), 404, "g1");
  }

  @Test
  void servesTemplatesAsTextRawAndRendered() {
    HttpResponse<String> raw = s.get("/api/1.0/templates/ks");
    assertThat(raw.statusCode()).isEqualTo(200);
    assertThat(raw.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
    assertThat(raw.body()).contains("{{root_password}}");

    HttpResponse<String> rendered = s.get("/api/1.0/templates/ks/samplehost");
    assertThat(rendered.statusCode()).isEqualTo(200);
    assertThat(rendered.body())
        .contains(
            "# kickstart for samplehost",
            "rootpw hunter2hunter2",
            "url --url=http://mirror.example.org/centos-7/os/x86_64");
    assertError(s.get("/api/1.0/templates/nosuch/samplehost"), 404, "nosuch");
    assertError(s.get("/api/1.0/templates/nosuch"), 404, "nosuch");

    // The old client sends templates with a JSON content type; the body is text all the same.
    assertThat(
            s.send(
                    "POST",
                    "/api/1.0/templates/t1",
                    "hello {{uuid}}",
                    "Content-Type",
                    "application/json")
                .statusCode())
        .isEqualTo(201);
    assertError(s.send("POST", "/api/1.0/templates/t1", "again"), 400, "already exists");
    assertThat(s.get("/api/1.0/templates/t1/abc").body()).isEqualTo("hello abc");
    assertThat(s.send("PUT", "/api/1.0/templates/t1", "bye {{uuid}}").statusCode()).isEqualTo(202);
    assertThat(s.get("/api/1.0/templates/t1").body()).isEqualTo("bye {{uuid}}");
    assertError(
        s.sendBytes("PUT", "/api/1.0/templates/t1", new byte[] {(byte) 0xff, (byte) 0xfe}),
        400,
        "UTF-8");
    assertError(s.send("PUT", "/api/1.0/templates/nosuch", "x"), 404, "nosuch");
    assertThat(s.send("DELETE", "/api/1.0/templates/t1", null).statusCode()).isEqualTo(204);
    assertError(s.send("DELETE", "/api/1.0/templates/t1", null), 404, "t1");
  }

  @Test
  void rendersIpxeScripts() {
    HttpResponse<String> r = s.get("/ipxe/script/samplehost");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
    assertThat(r.body())
        .startsWith("#!ipxe\n")
        .contains(
            "kernel http://192.168.10.254/ipxe/kernel/${uuid} ks=http://192.168.10.254/api/1.0/templates/ks/${uuid}");
    assertThat(r.headers().firstValue("content-length"))
        .hasValue(
            Integer.toString(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));

    HttpResponse<String> unknown = s.get("/ipxe/script/4c4c4544-0000-1111-2222-333333333333");
    assertThat(unknown.statusCode()).isEqualTo(200);
    assertThat(unknown.body())
        .startsWith("#!ipxe\n")
        .contains("imgfetch http://192.168.10.254/ipxe/register/${uuid}");
  }

  @Test
  void registersUnknownHostsOnce() {
    String id = "4c4c4544-0000-1111-2222-444444444444";
    HttpResponse<String> r =
        s.get("/ipxe/register/" + id + "?manufacturer=QEMU&product=Standard%20PC&serial=&asset=a1");
    assertThat(r.statusCode()).isEqualTo(201);
    JsonNode host = json(s.get("/api/1.0/hosts/" + id));
    assertThat(host.path("groups")).extracting(JsonNode::asText).containsExactly("default");
    assertThat(host.path("manufacturer").asText()).isEqualTo("QEMU");
    assertThat(host.path("product").asText()).isEqualTo("Standard PC");
    assertThat(host.has("serial")).isFalse();
    assertError(s.get("/ipxe/register/" + id + "?manufacturer=QEMU"), 400, "already exists");
  }

  @Test
  void servesAGenericChainScript() {
    HttpResponse<String> r = s.get("/ipxe/boot.ipxe");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
    assertThat(r.body())
        .startsWith("#!ipxe\n")
        .contains(
            "imgfetch --name bergenholm-script " + s.base + "/ipxe/script/${uuid}?mac=${net0/mac}")
        .contains("imgexec --autofree bergenholm-script || exit 1");
  }

  @Test
  void answersHealthAndReadiness() {
    assertThat(json(s.get("/healthz")).path("status").asText()).isEqualTo("ok");
    assertThat(json(s.get("/readyz")).path("status").asText()).isEqualTo("ready");
  }

  @Test
  void refusesUnknownPathsAndMethods() {
    assertError(s.get("/api/1.0/nothing"), 404, "no such path");
    assertError(s.get("/ipxe/script/"), 404, "no such path");
    HttpResponse<String> r = s.send("PATCH", "/api/1.0/hosts/samplehost", "{}");
    assertError(r, 405, "PATCH");
    assertThat(r.headers().firstValue("allow").orElseThrow())
        .contains("GET", "POST", "PUT", "DELETE", "HEAD");
    assertError(s.send("POST", "/ipxe/script/samplehost", "{}"), 405, "POST");
    assertError(s.send("DELETE", "/api/1.0/hosts/", null), 405, "DELETE");
  }

  @Test
  void answersHeadLikeGetWithoutBody() throws Exception {
    try (RawHttp raw = new RawHttp(s.server.bootAddress().getPort())) {
      raw.write(
          "HEAD /ipxe/script/samplehost HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response head = raw.read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(Integer.parseInt(head.headers().get("content-length"))).isGreaterThan(10);
      RawHttp.Response next = raw.read(false);
      assertThat(next.text()).contains("\"ok\"");
    }
  }

  @Test
  void tagsReadsAndChecksConditionalWrites() {
    HttpResponse<String> r = s.get("/api/1.0/hosts/samplehost");
    String etag = r.headers().firstValue("etag").orElseThrow();
    assertThat(etag).startsWith("\"").endsWith("\"");
    assertThat(s.get("/api/1.0/hosts/samplehost", "If-None-Match", etag).statusCode())
        .isEqualTo(304);

    HttpResponse<String> put =
        s.send(
            "PUT",
            "/api/1.0/hosts/samplehost",
            "{\"groups\": [\"centos7\"], \"v\": 1}",
            "If-Match",
            etag);
    assertThat(put.statusCode()).isEqualTo(202);
    String next = put.headers().firstValue("etag").orElseThrow();
    assertThat(next).isNotEqualTo(etag);
    assertError(
        s.send("PUT", "/api/1.0/hosts/samplehost", "{\"v\": 2}", "If-Match", etag),
        412,
        "samplehost");
    assertError(
        s.send("DELETE", "/api/1.0/hosts/samplehost", null, "If-Match", etag), 412, "samplehost");
    assertThat(json(s.get("/api/1.0/hosts/samplehost")).path("v").asInt()).isEqualTo(1);
    assertThat(s.send("DELETE", "/api/1.0/hosts/samplehost", null, "If-Match", next).statusCode())
        .isEqualTo(204);

    String tt = s.get("/api/1.0/templates/ks").headers().firstValue("etag").orElseThrow();
    assertThat(s.send("PUT", "/api/1.0/templates/ks", "new", "If-Match", tt).statusCode())
        .isEqualTo(202);
    assertError(s.send("PUT", "/api/1.0/templates/ks", "newer", "If-Match", tt), 412, "ks");

    String script = s.get("/ipxe/script/default").headers().firstValue("etag").orElseThrow();
    assertThat(s.get("/ipxe/script/default", "If-None-Match", script).statusCode()).isEqualTo(304);
  }

  @Test
  void masksSecretsUnlessAskedAndKeepsThemOnWriteBack() {
    s.send(
        "POST",
        "/api/1.0/hosts/bmc",
        "{\"groups\": [\"default\"], \"ipmi_password\": \"s3cr3t\","
            + " \"test_bmc_secret\": \"k3y\", \"nested\": {\"x_password\": \"p\"}}");
    JsonNode stored = json(s.get("/api/1.0/hosts/bmc"));
    assertThat(stored.path("ipmi_password").asText()).isEqualTo(Secrets.MASK);
    assertThat(stored.path("test_bmc_secret").asText()).isEqualTo(Secrets.MASK);
    assertThat(stored.path("nested").path("x_password").asText()).isEqualTo(Secrets.MASK);
    assertThat(json(s.get("/api/1.0/hosts/bmc?params=all")).path("root_password").asText())
        .isEqualTo(Secrets.MASK);
    assertThat(
            json(s.get("/api/1.0/hosts/bmc?explain=1")).path("ipmi_password").path("raw").asText())
        .isEqualTo(Secrets.MASK);
    assertThat(json(s.get("/api/1.0/groups/default")).path("root_password").asText())
        .isEqualTo(Secrets.MASK);
    // No tokens configured: every caller has write access, so it may ask.
    assertThat(json(s.get("/api/1.0/hosts/bmc?secrets=show")).path("ipmi_password").asText())
        .isEqualTo("s3cr3t");

    // Writing back what was read keeps the real secret.
    String body =
        s.get("/api/1.0/hosts/bmc").body().replace("\"groups\"", "\"extra\":1,\"groups\"");
    assertThat(s.send("PUT", "/api/1.0/hosts/bmc", body).statusCode()).isEqualTo(202);
    JsonNode after = json(s.get("/api/1.0/hosts/bmc?secrets=show"));
    assertThat(after.path("ipmi_password").asText()).isEqualTo("s3cr3t");
    assertThat(after.path("extra").asInt()).isEqualTo(1);
    assertError(
        s.send("POST", "/api/1.0/hosts/bmc2", "{\"ipmi_password\": \"" + Secrets.MASK + "\"}"),
        400,
        "mask");
  }

  @Test
  void imageRoutesAnswer501WithoutAnImageService() {
    assertError(s.get("/ipxe/kernel/samplehost"), 501, "kernel");
    assertError(s.get("/ipxe/module/samplehost"), 501, "module");
    // the Python project answered /ipxe/initrd/<id>/0 with 301 to /ipxe/module/<id>
    // (ProvisionRoutesTest)
    assertThat(s.get("/ipxe/initrd/samplehost/0").statusCode()).isEqualTo(301);
    assertError(s.get("/ipxe/kernel/default"), 404, "kernel");
    assertError(s.get("/ipxe/module/samplehost/x"), 404, "image");
  }

  @Test
  void drivesPower() {
    s.send("POST", "/api/1.0/hosts/vm1", "{\"power_driver\": \"test-bmc\"}");
    s.send(
        "POST",
        "/api/1.0/hosts/vm2",
        "{\"power_driver\": \"test-bmc\", \"test_bmc_fail\": \"yes\"}");
    assertThat(json(s.get("/api/1.0/power/vm1")).path("power").asText()).isEqualTo("off");
    assertThat(s.send("PUT", "/api/1.0/power/vm1", "{\"power\": \"on\"}").statusCode())
        .isEqualTo(202);
    assertThat(json(s.get("/api/1.0/power/vm1")).path("power").asText()).isEqualTo("on");
    assertThat(s.send("PUT", "/api/1.0/power/vm1", "{\"power\": \"reset\"}").statusCode())
        .isEqualTo(202);
    assertThat(s.send("PUT", "/api/1.0/power/vm1", "{\"power\": \"off\"}").statusCode())
        .isEqualTo(202);
    assertThat(json(s.get("/api/1.0/power/vm1")).path("power").asText()).isEqualTo("off");

    assertError(s.send("PUT", "/api/1.0/power/vm1", "{\"power\": \"explode\"}"), 400, "explode");
    assertError(s.send("PUT", "/api/1.0/power/vm1", "{}"), 400, "power");
    assertError(s.get("/api/1.0/power/nosuch"), 404, "nosuch");
    assertError(s.send("PUT", "/api/1.0/power/nosuch", "{\"power\": \"on\"}"), 404, "nosuch");
    assertError(s.get("/api/1.0/power/samplehost"), 400, "power_driver");
    assertError(
        s.send("PUT", "/api/1.0/power/samplehost", "{\"power\": \"on\"}"), 400, "power_driver");
    assertError(s.get("/api/1.0/power/vm2"), 502, "session limit");
    assertError(s.send("PUT", "/api/1.0/power/vm2", "{\"power\": \"on\"}"), 502, "session limit");
  }
}
