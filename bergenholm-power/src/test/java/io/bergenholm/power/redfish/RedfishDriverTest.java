package io.bergenholm.power.redfish;

import static io.bergenholm.power.redfish.RedfishLab.RUNNING;
import static io.bergenholm.power.redfish.RedfishLab.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.power.EngineHarness;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code redfish} driver against the {@link RedfishTestService} over HTTPS with a test CA;
 * every operation the driver performs is also performed, or read back, by the real clients {@code
 * redfishtool} and sushy, and they must agree.
 */
class RedfishDriverTest {
  private static final Logger log = LoggerFactory.getLogger(RedfishDriverTest.class);

  @TempDir Path dir;
  RedfishLab lab;
  RedfishTestService bmc;
  PowerDriver driver;

  @BeforeEach
  void start() throws Exception {
    lab = new RedfishLab(dir);
    bmc = lab.service;
    driver =
        TestProviderContext.instantiate(
            provider(), Map.of("timeout_seconds", "20", "task_timeout_seconds", "20"));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
    if (lab != null) {
      lab.close();
    }
  }

  static PowerDriverProvider provider() {
    return ServiceLoader.load(PowerDriverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("redfish"))
        .findFirst()
        .orElseThrow();
  }

  private PowerTarget host(String uuid, String... extra) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("power_driver", "redfish");
    p.put("redfish_host", "127.0.0.1");
    p.put("redfish_port", (long) bmc.port());
    p.put("redfish_user", RedfishTestService.USER);
    p.put("redfish_password", RedfishTestService.PASSWORD);
    p.put("redfish_ca_file", lab.ca().toString());
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    return new PowerTarget(uuid, Params.of(p));
  }

  private JsonNode redfishtoolSystem(String name) throws Exception {
    RedfishLab.Run r = lab.redfishtool("Systems", "-I", name, "get");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.json();
  }

  private JsonNode sushySystem(String name) throws Exception {
    RedfishLab.Run r = lab.sushy(name, "get");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.json();
  }

  @Test
  void statusAgreesWithRedfishtoolAndSushy() throws Exception {
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.OFF);
    assertThat(redfishtoolSystem("running").path("PowerState").asText()).isEqualTo("On");
    assertThat(redfishtoolSystem("stopped").path("PowerState").asText()).isEqualTo("Off");
    JsonNode sushy = sushySystem("stopped");
    assertThat(sushy.path("power_state").asText()).isEqualTo("Off");
    assertThat(sushy.path("uuid").asText()).isEqualTo(STOPPED);
  }

  @Test
  void onOffAndResetAreSeenByTheClientsAndTheirsByTheDriver() throws Exception {
    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(bmc.running("stopped")).isTrue();
    assertThat(redfishtoolSystem("stopped").path("PowerState").asText()).isEqualTo("On");
    assertThat(sushySystem("stopped").path("power_state").asText()).isEqualTo("On");

    driver.perform(host(STOPPED), PowerAction.RESET);
    assertThat(bmc.resets).containsExactly("stopped On", "stopped ForceRestart");

    driver.perform(host(STOPPED), PowerAction.OFF);
    assertThat(redfishtoolSystem("stopped").path("PowerState").asText()).isEqualTo("Off");
    assertThat(sushySystem("stopped").path("power_state").asText()).isEqualTo("Off");

    // the other way round: the clients switch, the driver reads
    RedfishLab.Run on = lab.redfishtool("Systems", "-I", "stopped", "reset", "On");
    assertThat(on.exitCode()).as(on.output()).isZero();
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
    RedfishLab.Run off = lab.sushy("stopped", "reset", "ForceOff");
    assertThat(off.exitCode()).as(off.output()).isZero();
    assertThat(off.json().path("power_state").asText()).isEqualTo("Off");
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.OFF);
  }

  @Test
  void onWhenOnAndOffWhenOffSendNothingWhichThisBmcWouldRefuse() throws Exception {
    driver.perform(host(RUNNING), PowerAction.ON);
    driver.perform(host(STOPPED), PowerAction.OFF);
    assertThat(bmc.resets).isEmpty();
    // as the BMC answers a client that does send it
    RedfishLab.Run r = lab.sushy("running", "reset", "On");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.json().path("error").asInt()).isEqualTo(409);
  }

  @Test
  void resetOfAnOffMachineSwitchesItOn() {
    driver.perform(host(STOPPED), PowerAction.RESET);
    assertThat(bmc.resets).containsExactly("stopped On");
  }

  @Test
  void networkBootNextIsAOneTimeOverrideThatTheNextStartConsumes() throws Exception {
    driver.perform(host(STOPPED), PowerAction.NETWORK_BOOT_NEXT);
    JsonNode boot = redfishtoolSystem("stopped").path("Boot");
    assertThat(boot.path("BootSourceOverrideEnabled").asText()).isEqualTo("Once");
    assertThat(boot.path("BootSourceOverrideTarget").asText()).isEqualTo("Pxe");
    JsonNode sushy = sushySystem("stopped");
    assertThat(sushy.path("boot_enabled").asText()).isEqualTo("Once");
    assertThat(sushy.path("boot_target").asText()).isEqualTo("Pxe");
    // the PATCH carried the ETag the BMC requires
    String etag = redfishtoolSystem("stopped").path("@odata.etag").asText();
    assertThat(bmc.requests)
        .anyMatch(r -> r.startsWith("PATCH /redfish/v1/Systems/stopped If-Match \""));

    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(bmc.starts.get("stopped")).containsExactly("Pxe");
    assertThat(bmc.domainXml("stopped"))
        .containsPattern("(?s)<os>\\s*<type[^>]*>hvm</type>\\s*<boot dev='network'/>");
    assertThat(redfishtoolSystem("stopped").path("Boot").path("BootSourceOverrideEnabled").asText())
        .isEqualTo("Disabled");
    assertThat(redfishtoolSystem("stopped").path("@odata.etag").asText()).isNotEqualTo(etag);

    // the start after boots from disk again
    driver.perform(host(STOPPED), PowerAction.RESET);
    assertThat(bmc.starts.get("stopped")).containsExactly("Pxe", "Hdd");
    assertThat(bmc.domainXml("stopped"))
        .contains("<boot dev='hd'/>")
        .doesNotContain("<boot dev='network'/>");
  }

  @Test
  void uefiHttpAndTheBootModeAsTheHostAsks() throws Exception {
    driver.perform(host(RUNNING, "redfish_boot_target", "UefiHttp"), PowerAction.NETWORK_BOOT_NEXT);
    JsonNode sushy = sushySystem("running");
    assertThat(sushy.path("boot_target").asText()).isEqualTo("UefiHttp");
    assertThat(sushy.path("boot_mode").asText()).isEqualTo("UEFI");

    driver.perform(host(RUNNING, "redfish_boot_mode", "legacy"), PowerAction.NETWORK_BOOT_NEXT);
    JsonNode boot = redfishtoolSystem("running").path("Boot");
    assertThat(boot.path("BootSourceOverrideTarget").asText()).isEqualTo("Pxe");
    assertThat(boot.path("BootSourceOverrideMode").asText()).isEqualTo("Legacy");

    assertThatThrownBy(
            () ->
                driver.perform(
                    host(RUNNING, "redfish_boot_target", "Floppy"), PowerAction.NETWORK_BOOT_NEXT))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("redfish_boot_target")
        .hasMessageContaining("Pxe");
  }

  @Test
  void whatTheClientsSetTheDriverSeesThrough() throws Exception {
    RedfishLab.Run r =
        lab.redfishtool("Systems", "-I", "stopped", "setBootOverride", "Once", "Pxe");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(sushySystem("stopped").path("boot_target").asText()).isEqualTo("Pxe");
    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(bmc.starts.get("stopped")).containsExactly("Pxe");

    RedfishLab.Run s = lab.sushy("running", "boot", "UefiHttp", "Once", "UEFI");
    assertThat(s.exitCode()).as(s.output()).isZero();
    assertThat(redfishtoolSystem("running").path("Boot").path("BootSourceOverrideTarget").asText())
        .isEqualTo("UefiHttp");
    driver.perform(host(RUNNING), PowerAction.RESET);
    assertThat(bmc.starts.get("running")).containsExactly("UefiHttp");
  }

  @Test
  void aPatchWithoutIfMatchIsRefusedAndAStaleOneIsRetriedWithTheFreshEtag() throws Exception {
    // redfishtool reads the ETag and sends it; a plain client without it gets 428
    RedfishLab.Run tool =
        lab.redfishtool(
            "-d",
            "{\"Boot\": {\"BootSourceOverrideTarget\": \"Hdd\"}}",
            "raw",
            "PATCH",
            "/redfish/v1/Systems/running");
    assertThat(tool.exitCode()).as(tool.output()).isZero();
    assertThat(bmc.requests)
        .anyMatch(r -> r.startsWith("PATCH /redfish/v1/Systems/running If-Match \""));
    RedfishLab.Run plain =
        lab.curl(
            "PATCH",
            "/redfish/v1/Systems/running",
            "{\"Boot\": {\"BootSourceOverrideTarget\": \"Pxe\"}}");
    assertThat(plain.output()).contains("Base.1.8.PreconditionRequired").endsWith("428\n");

    int mark = bmc.requests.size();
    bmc.changeBeforeNextPatch = true;
    driver.perform(host(RUNNING), PowerAction.NETWORK_BOOT_NEXT);
    List<String> patches =
        bmc.requests.subList(mark, bmc.requests.size()).stream()
            .filter(r -> r.startsWith("PATCH"))
            .toList();
    assertThat(patches).hasSize(2); // the stale one, then the retry with the fresh ETag
    assertThat(patches.get(0)).isNotEqualTo(patches.get(1)).contains("If-Match");
    assertThat(sushySystem("running").path("boot_target").asText()).isEqualTo("Pxe");
  }

  @Test
  void aBmcThatRefusesAnyWriteOfTheBootModeGetsTheOverrideWithoutIt() throws Exception {
    bmc.modeReadOnly = true;
    // the refusal is real: sushy asking for the mode is refused
    RedfishLab.Run s = lab.sushy("stopped", "boot", "Pxe", "Once", "UEFI");
    assertThat(s.exitCode()).as(s.output()).isEqualTo(3);
    assertThat(s.output()).contains("BootSourceOverrideMode");

    driver.perform(host(STOPPED), PowerAction.NETWORK_BOOT_NEXT);
    assertThat(sushySystem("stopped").path("boot_target").asText()).isEqualTo("Pxe");
    assertThat(redfishtoolSystem("stopped").path("Boot").path("BootSourceOverrideEnabled").asText())
        .isEqualTo("Once");

    // a mode the host asks for and the BMC will not take is an error naming the BMC's message
    assertThatThrownBy(
            () ->
                driver.perform(
                    host(STOPPED, "redfish_boot_mode", "Legacy"), PowerAction.NETWORK_BOOT_NEXT))
        .isInstanceOf(UpstreamException.class)
        .satisfies(e -> log.info("mode refused: {}", e.getMessage()))
        .hasMessageContaining(
            "Base.1.8.PropertyNotWritable: The property BootSourceOverrideMode is a read only")
        .hasMessageContaining("answered 400");
  }

  @Test
  void sessionsAreReusedRenewedAfterExpiryAndDeletedOnClose() throws Exception {
    for (int i = 0; i < 3; i++) {
      driver.status(host(RUNNING));
    }
    assertThat(
            bmc.requests.stream()
                .filter(r -> r.startsWith("POST /redfish/v1/SessionService/Sessions")))
        .hasSize(1);
    assertThat(bmc.sessionCount()).isEqualTo(1);

    bmc.expireSessions();
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    assertThat(
            bmc.requests.stream()
                .filter(r -> r.startsWith("POST /redfish/v1/SessionService/Sessions")))
        .hasSize(2);

    driver.close();
    assertThat(bmc.sessionCount()).isZero();
    assertThat(bmc.requests)
        .anyMatch(r -> r.startsWith("DELETE /redfish/v1/SessionService/Sessions/"));
  }

  @Test
  void aSessionCreatedWithoutLocationIsStillDeletedOnClose() {
    bmc.sessionWithoutLocation = true;
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    assertThat(bmc.sessionCount()).isEqualTo(1);
    driver.close();
    assertThat(bmc.sessionCount()).isZero();
  }

  @Test
  void basicAuthenticationMakesNoSession() {
    assertThat(driver.status(host(RUNNING, "redfish_auth", "basic"))).isEqualTo(PowerState.ON);
    assertThat(bmc.requests).noneMatch(r -> r.startsWith("POST /redfish/v1/SessionService"));
  }

  @Test
  void resetTypesComeFromTheBmcsListOrItsActionInfo() throws Exception {
    bmc.resetTypes = List.of("On", "ForceOff", "PowerCycle");
    bmc.resetTypesInActionInfo = true;
    RedfishLab.Run allowed = lab.sushy("running", "allowed-resets");
    assertThat(allowed.exitCode()).as(allowed.output()).isZero();
    log.info("sushy reads the allowed reset types as {}", allowed.output().strip());

    driver.perform(host(RUNNING), PowerAction.RESET);
    assertThat(bmc.resets).containsExactly("running PowerCycle");

    bmc.resetTypes = List.of("On", "Nmi");
    assertThatThrownBy(() -> driver.perform(host(RUNNING), PowerAction.OFF))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("lists ResetType [On, Nmi]")
        .hasMessageContaining("'off'");
  }

  @Test
  void aResetRunAsATaskIsAwaitedAndAFailedTaskNamesTheBmcsMessage() throws Exception {
    bmc.resetAsTask = true;
    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(
            bmc.requests.stream()
                .filter(r -> r.startsWith("GET /redfish/v1/TaskService/TaskMonitors/")))
        .hasSize(3);
    assertThat(redfishtoolSystem("stopped").path("PowerState").asText()).isEqualTo("On");

    bmc.resetTaskFails = true;
    assertThatThrownBy(() -> driver.perform(host(STOPPED), PowerAction.OFF))
        .isInstanceOf(UpstreamException.class)
        .satisfies(e -> log.info("failed task: {}", e.getMessage()))
        .hasMessageContaining("ended as Exception")
        .hasMessageContaining("Base.1.8.InternalError");

    // redfishtool waits for the same task monitor
    bmc.resetTaskFails = false;
    RedfishLab.Run r = lab.redfishtool("Systems", "-I", "stopped", "reset", "On");
    log.info("redfishtool reset as a task: {}", r.output());
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
  }

  @Test
  void theSystemIsFoundByUuidAlsoByteSwappedOrByName() {
    String swapped = "528e1a5d-573c-0e4f-a2c4-7b1e0c9a0001";
    assertThat(RedfishDriver.sameUuid(swapped, RUNNING)).isTrue();
    assertThat(RedfishDriver.sameUuid("528e1a5d-573c-0e4f-a2c4-7b1e0c9a0002", RUNNING)).isFalse();
    assertThat(driver.status(host(swapped))).isEqualTo(PowerState.ON);
    assertThat(driver.status(host("some-host", "redfish_system", "stopped")))
        .isEqualTo(PowerState.OFF);
    assertThat(driver.status(host("some-host", "redfish_system", "/redfish/v1/Systems/running")))
        .isEqualTo(PowerState.ON);

    assertThatThrownBy(() -> driver.status(host("00000000-0000-0000-0000-000000000000")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("/redfish/v1/Systems/running (" + RUNNING + ")")
        .hasMessageContaining("redfish_system");
    assertThatThrownBy(() -> driver.status(host("x", "redfish_system", "nosuch")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("'nosuch'");
  }

  @Test
  void tlsIsVerifiedUnlessTheHostSaysInsecure() {
    try (PowerDriver plain =
        TestProviderContext.instantiate(provider(), Map.of("timeout_seconds", "10"))) {
      PowerTarget noCa = host(RUNNING);
      Map<String, Object> p = new LinkedHashMap<>(noCa.params().asMap());
      p.remove("redfish_ca_file");
      PowerTarget untrusted = new PowerTarget(RUNNING, Params.of(p));
      assertThatThrownBy(() -> plain.status(untrusted))
          .isInstanceOf(UpstreamException.class)
          .satisfies(e -> log.info("untrusted: {}", e.getMessage()))
          .hasMessageContaining("127.0.0.1:" + bmc.port());
      p.put("redfish_insecure", "true");
      assertThat(plain.status(new PowerTarget(RUNNING, Params.of(p)))).isEqualTo(PowerState.ON);
    }
    // the certificate names 127.0.0.1 only
    assertThatThrownBy(() -> driver.status(host(RUNNING, "redfish_host", "localhost")))
        .isInstanceOf(UpstreamException.class);
  }

  @Test
  void aWrongPasswordNamesTheUserAndTheBmcButNotThePassword() {
    assertThatThrownBy(() -> driver.status(host(RUNNING, "redfish_password", "not-the-secret")))
        .isInstanceOf(UpstreamException.class)
        .satisfies(e -> log.info("wrong password: {}", e.getMessage()))
        .hasMessageContaining("authentication failed for user 'admin'")
        .hasMessageContaining("127.0.0.1:" + bmc.port())
        .hasMessageNotContaining("not-the-secret");
    assertThatThrownBy(() -> driver.status(host(RUNNING, "redfish_host", "")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("redfish_host");
    assertThat(provider().secretParameters()).contains("redfish_password");
  }

  @Test
  void powerOnThroughTheEngineStartsFromTheNetworkUnlessTheHostSaysNo() throws Exception {
    EngineHarness h = new EngineHarness("redfish", driver);
    try (Bergenholm engine = h.engine) {
      engine.createHost(STOPPED, host(STOPPED).params());
      engine.power(STOPPED, PowerAction.ON);
      assertThat(bmc.starts.get("stopped")).containsExactly("Pxe");
      assertThat(sushySystem("stopped").path("power_state").asText()).isEqualTo("On");

      driver.perform(host(STOPPED), PowerAction.OFF);
      engine.replaceHost(
          STOPPED,
          host(STOPPED, "power_on_network_boot", "false").params(),
          java.util.Optional.empty());
      engine.power(STOPPED, PowerAction.ON);
      assertThat(bmc.starts.get("stopped")).containsExactly("Pxe", "Hdd");
      assertThat(h.actions)
          .containsExactly(STOPPED + " network_boot_next", STOPPED + " on", STOPPED + " on");
    }
  }

  @Test
  void weakEtagsAndLinksToAnotherAddressAreHandled() throws Exception {
    bmc.weakEtags = true;
    bmc.foreignLocations = true;
    bmc.resetAsTask = true;
    assertThat(redfishtoolSystem("stopped").path("@odata.etag").asText()).startsWith("W/");
    driver.perform(host(STOPPED), PowerAction.NETWORK_BOOT_NEXT);
    List<String> patches = bmc.requests.stream().filter(r -> r.startsWith("PATCH")).toList();
    assertThat(patches).hasSize(2);
    assertThat(patches.get(0)).contains("If-Match W/\"");
    assertThat(patches.get(1)).doesNotContain("W/");
    assertThat(sushySystem("stopped").path("boot_target").asText()).isEqualTo("Pxe");

    // the task monitor and the session were named at 10.10.10.10; the driver stayed on this service
    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(bmc.starts.get("stopped")).containsExactly("Pxe");
    assertThat(
            bmc.requests.stream()
                .filter(r -> r.startsWith("GET /redfish/v1/TaskService/TaskMonitors/")))
        .hasSize(3);
    // the session's Location named 10.10.10.10 too; the driver still deletes it on this service
    driver.close();
    assertThat(bmc.requests)
        .anyMatch(r -> r.startsWith("DELETE /redfish/v1/SessionService/Sessions/"));
  }

  @Test
  void aTaskThatNeverEndsFailsAtTheTaskTimeout() {
    bmc.resetAsTask = true;
    bmc.resetTaskHangs = true;
    try (PowerDriver impatient =
        TestProviderContext.instantiate(provider(), Map.of("task_timeout_seconds", "1"))) {
      assertThatThrownBy(() -> impatient.perform(host(STOPPED), PowerAction.ON))
          .isInstanceOf(UpstreamException.class)
          .satisfies(e -> log.info("hanging task: {}", e.getMessage()))
          .hasMessageContaining("did not finish within 1 s")
          .hasMessageContaining("/redfish/v1/TaskService/TaskMonitors/");
    }
  }
}
