package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.assertError;
import static io.bergenholm.netboot.http.HttpRoutesTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerState;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Power on as an install, the reinstall calls, and the Python project's image aliases, over real
 * HTTP. The power driver is the REST tests' stand-in ({@link TestBmcProvider}); the drivers
 * themselves are tested against real simulators in the power module.
 */
class ProvisionRoutesTest {
  private TestServer s;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void start() {
    s = TestServer.start().seeded();
  }

  @AfterEach
  void stop() {
    s.close();
  }

  private String host(String name, String extra) {
    String id = run + "-" + name;
    HttpResponse<String> r =
        s.send(
            "POST",
            "/api/1.0/hosts/" + id,
            "{\"power_driver\": \"test-bmc\", \"groups\": [\"centos7\", \"installed\"]"
                + extra
                + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return id;
  }

  private List<PowerAction> actions(String id) {
    return TestBmcProvider.ACTIONS.getOrDefault(id, List.of());
  }

  @Test
  void powerOnAsksForANetworkBootFirstUnlessTheHostSaysNo() {
    String plain = host("plain", "");
    String local = host("local", ", \"power_on_network_boot\": false");
    String bad = host("bad", ", \"power_on_network_boot\": \"perhaps\"");

    assertThat(s.send("PUT", "/api/1.0/power/" + plain, "{\"power\": \"on\"}").statusCode())
        .isEqualTo(202);
    assertThat(actions(plain)).containsExactly(PowerAction.NETWORK_BOOT_NEXT, PowerAction.ON);
    assertThat(s.send("PUT", "/api/1.0/power/" + plain, "{\"power\": \"reset\"}").statusCode())
        .isEqualTo(202);
    assertThat(
            s.send("PUT", "/api/1.0/power/" + plain, "{\"power\": \"network_boot_next\"}")
                .statusCode())
        .isEqualTo(202);
    assertThat(actions(plain))
        .containsExactly(
            PowerAction.NETWORK_BOOT_NEXT,
            PowerAction.ON,
            PowerAction.RESET,
            PowerAction.NETWORK_BOOT_NEXT);

    assertThat(s.send("PUT", "/api/1.0/power/" + local, "{\"power\": \"on\"}").statusCode())
        .isEqualTo(202);
    assertThat(actions(local)).containsExactly(PowerAction.ON);

    assertError(
        s.send("PUT", "/api/1.0/power/" + bad, "{\"power\": \"on\"}"),
        400,
        "power_on_network_boot");
    assertThat(actions(bad)).isEmpty();
  }

  @Test
  void provisionSetsGroupsClearsInstalledBootsFromTheNetworkAndStartsAnOffHost() throws Exception {
    String id = host("off", "");
    HttpResponse<String> r =
        s.send("POST", "/api/1.0/hosts/" + id + "/provision", "{\"groups\": [\"centos\"]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = json(r);
    assertThat(answer.path("done").toString())
        .isEqualTo("[\"groups\",\"network_boot_next\",\"on\"]");
    assertThat(answer.has("failed")).isFalse();
    assertThat(json(s.get("/api/1.0/hosts/" + id)).path("groups").toString())
        .isEqualTo("[\"centos\"]");
    assertThat(r.headers().firstValue("ETag"))
        .isEqualTo(s.get("/api/1.0/hosts/" + id).headers().firstValue("ETag"));
    assertThat(actions(id)).containsExactly(PowerAction.NETWORK_BOOT_NEXT, PowerAction.ON);

    // Now on: the next provision resets it, and keeps its groups when none are given.
    s.get("/api/1.0/hosts/" + id + "?installed=mark");
    r = s.send("POST", "/api/1.0/hosts/" + id + "/provision", "");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("done").toString())
        .isEqualTo("[\"groups\",\"network_boot_next\",\"reset\"]");
    assertThat(json(s.get("/api/1.0/hosts/" + id)).path("groups").toString())
        .isEqualTo("[\"centos\"]");
    assertThat(TestBmcProvider.STATES.get(id)).isEqualTo(PowerState.ON);
  }

  @Test
  void provisionHonoursIfMatchAndChangesNothingOnAStaleVersion() {
    String id = host("ifmatch", "");
    String etag = s.get("/api/1.0/hosts/" + id).headers().firstValue("ETag").orElseThrow();
    s.send(
        "PUT",
        "/api/1.0/hosts/" + id,
        "{\"power_driver\": \"test-bmc\", \"groups\": [\"centos7\"], \"x\": 1}");
    HttpResponse<String> stale =
        s.send(
            "POST",
            "/api/1.0/hosts/" + id + "/provision",
            "{\"groups\": [\"centos\"]}",
            "If-Match",
            etag);
    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);
    assertThat(json(stale).path("done").size()).isZero();
    assertThat(json(stale).path("failed").asText()).isEqualTo("groups");
    assertThat(actions(id)).isEmpty();
    assertThat(json(s.get("/api/1.0/hosts/" + id)).path("groups").toString())
        .isEqualTo("[\"centos7\"]");

    String current = s.get("/api/1.0/hosts/" + id).headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> ok =
        s.send(
            "POST",
            "/api/1.0/hosts/" + id + "/provision",
            "{\"groups\": \"centos\"}",
            "If-Match",
            current);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(json(s.get("/api/1.0/hosts/" + id)).path("groups").toString())
        .isEqualTo("[\"centos\"]");
  }

  @Test
  void aPowerFailureAfterTheGroupsChangedIsReportedAsPartial() {
    String id = host("refusing", ", \"test_bmc_fail\": \"yes\"");
    HttpResponse<String> r =
        s.send("POST", "/api/1.0/hosts/" + id + "/provision", "{\"groups\": [\"centos\"]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    JsonNode answer = json(r);
    assertThat(answer.path("done").toString()).isEqualTo("[\"groups\"]");
    assertThat(answer.path("failed").asText()).isEqualTo("network_boot_next");
    assertThat(answer.path("partial").asBoolean()).isTrue();
    assertThat(answer.path("error").asText()).contains("session limit");
    assertThat(json(s.get("/api/1.0/hosts/" + id)).path("groups").toString())
        .isEqualTo("[\"centos\"]");
  }

  @Test
  void aRackAnswersPerHostAndOneFailureStopsNoOther() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(host("rack" + i, i == 5 ? ", \"test_bmc_fail\": \"yes\"" : ""));
    }
    ids.add(run + "-nosuch");
    ids.add("samplehost"); // no power_driver
    StringBuilder body = new StringBuilder("{\"groups\": [\"centos\"], \"hosts\": [");
    for (int i = 0; i < ids.size(); i++) {
      body.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
    }
    HttpResponse<String> r = s.send("POST", "/api/1.0/provision", body.append("]}").toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(207);
    JsonNode answer = json(r);
    assertThat(answer.path("succeeded").asInt()).isEqualTo(11);
    assertThat(answer.path("failed").asInt()).isEqualTo(3);
    JsonNode hosts = answer.path("hosts");
    assertThat(hosts.size()).isEqualTo(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      JsonNode h = hosts.get(i);
      assertThat(h.path("host").asText()).isEqualTo(ids.get(i));
      if (i < 12 && i != 5) {
        assertThat(h.path("status").asInt()).isEqualTo(200);
        assertThat(h.path("done").toString())
            .isEqualTo("[\"groups\",\"network_boot_next\",\"on\"]");
        assertThat(actions(ids.get(i)))
            .containsExactly(PowerAction.NETWORK_BOOT_NEXT, PowerAction.ON);
      }
    }
    assertThat(hosts.get(5).path("status").asInt()).isEqualTo(502);
    assertThat(hosts.get(5).path("partial").asBoolean()).isTrue();
    assertThat(hosts.get(12).path("status").asInt()).isEqualTo(404);
    assertThat(hosts.get(12).path("done").size()).isZero();
    assertThat(hosts.get(13).path("status").asInt()).isEqualTo(400);
    assertThat(hosts.get(13).path("error").asText()).contains("power_driver");

    assertError(s.send("POST", "/api/1.0/provision", "{\"hosts\": []}"), 400, "at least one");
    assertError(s.send("POST", "/api/1.0/provision", "{\"hosts\": \"x\"}"), 400, "list");
    assertError(s.send("POST", "/api/1.0/provision", "{\"hostz\": [\"x\"]}"), 400, "hostz");
  }

  @Test
  void oldImageAliasesAreMovedPermanentlyToTheCanonicalModuleUrl() throws Exception {
    String base = s.base;
    assertRedirect(s.get("/ipxe/initrd/samplehost"), base + "/ipxe/module/samplehost");
    assertRedirect(s.get("/ipxe/initrd/samplehost/0"), base + "/ipxe/module/samplehost");
    assertRedirect(s.get("/ipxe/module/samplehost/0"), base + "/ipxe/module/samplehost");
    assertRedirect(s.get("/ipxe/initrd/samplehost/2"), base + "/ipxe/module/samplehost/2");
    assertRedirect(s.get("/ipxe/initrd/a%20b%3Fc"), base + "/ipxe/module/a%20b%3Fc");
    // As iPXE asks: HTTP/1.1 with Host, Connection and User-Agent only.
    try (RawHttp raw = new RawHttp(s.server.bootAddress().getPort())) {
      raw.write(
          "GET /ipxe/initrd/samplehost HTTP/1.1\r\nConnection: keep-alive\r\nUser-Agent: iPXE/1.0.0+\r\n"
              + "Host: boot.example.org:8080\r\n\r\n");
      RawHttp.Response r = raw.read(false);
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.headers().get("location"))
          .isEqualTo("http://boot.example.org:8080/ipxe/module/samplehost");
      // a Host header that is not a host name is not reflected
      raw.write("GET /ipxe/initrd/samplehost/0 HTTP/1.1\r\nHost: evil\"<x>\r\n\r\n");
      r = raw.read(false);
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.headers().get("location")).isEqualTo(base + "/ipxe/module/samplehost");
    }
    assertError(s.get("/ipxe/initrd/samplehost/x"), 404, "image");
    // the canonical URLs themselves are served, not redirected
    assertError(s.get("/ipxe/module/samplehost"), 501, "module");
    assertError(s.get("/ipxe/module/samplehost/1"), 404, "module1");
  }

  private static void assertRedirect(HttpResponse<String> r, String location) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(301);
    assertThat(r.headers().firstValue("Location")).contains(location);
  }
}
