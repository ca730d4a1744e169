package io.bergenholm.power.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.power.EngineHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ipmi} driver against OpenIPMI's ipmi_sim, with ipmitool as the independent client:
 * what the driver sets, ipmitool reads, and the other way round. Each test has its own simulator
 * and state.
 */
class IpmiDriverSimulatorTest {
  private static final Logger log = LoggerFactory.getLogger(IpmiDriverSimulatorTest.class);

  @TempDir Path tmp;

  private IpmiSimulator bmc;
  private PowerDriver driver;

  @BeforeEach
  void startSimulator() throws Exception {
    bmc = IpmiSimulator.start(tmp);
    driver =
        TestProviderContext.instantiate(
            new IpmiDriverProvider(), Map.of("timeout_ms", "1000", "retries", "2"));
  }

  @AfterEach
  void stopSimulator() {
    if (bmc != null) {
      bmc.close();
    }
  }

  private PowerTarget target(String... extra) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("power_driver", "ipmi");
    p.put("ipmi_host", "127.0.0.1");
    p.put("ipmi_port", (long) bmc.port());
    p.put("ipmi_user", IpmiSimulator.USER);
    p.put("ipmi_password", IpmiSimulator.PASSWORD);
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    return new PowerTarget("4c4c4544-0042-4810-8056-b4c04f4d3258", Params.of(p));
  }

  private <T> T timed(String what, Supplier<T> call) {
    long t0 = System.nanoTime();
    T result = call.get();
    log.info(
        "against ipmi_sim: {} -> {} in {} ms",
        what,
        result,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    return result;
  }

  private void timedRun(String what, Runnable call) {
    timed(
        what,
        () -> {
          call.run();
          return "ok";
        });
  }

  @Test
  void statusFollowsWhatIpmitoolSwitched() throws Exception {
    assertThat(bmc.ipmitool("chassis", "power", "on")).contains("Up/On");
    assertThat(timed("status", () -> driver.status(target()))).isEqualTo(PowerState.ON);

    assertThat(bmc.ipmitool("chassis", "power", "off")).contains("Down/Off");
    assertThat(timed("status", () -> driver.status(target()))).isEqualTo(PowerState.OFF);
  }

  @Test
  void ipmitoolSeesWhatTheDriverSwitched() throws Exception {
    timedRun("on", () -> driver.perform(target(), PowerAction.ON));
    assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
    assertThat(bmc.state("power")).contains("1");

    timedRun("off", () -> driver.perform(target(), PowerAction.OFF));
    assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is off");
    assertThat(bmc.state("power")).contains("0");
  }

  @Test
  void resetIsAChassisHardReset() throws Exception {
    bmc.setState("power", "1");
    timedRun("reset", () -> driver.perform(target(), PowerAction.RESET));
    assertThat(bmc.chassisCalls()).contains("0x20 set reset 1");
    assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
  }

  @Test
  void ipmitoolReadsTheNetworkBootTheDriverSet() throws Exception {
    assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
        .contains("Boot Device Selector : No override");

    timedRun("network_boot_next", () -> driver.perform(target(), PowerAction.NETWORK_BOOT_NEXT));

    assertThat(bmc.chassisCalls()).contains("0x20 set boot pxe");
    assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
        .contains("Boot Device Selector : Force PXE")
        .contains("Options apply to only next boot");
  }

  @Test
  void driverReadsTheBootDeviceIpmitoolSet() throws Exception {
    assertThat(bmc.ipmitool("chassis", "bootdev", "pxe")).contains("Set Boot Device to pxe");
    try (IpmiSession s = IpmiSession.open(IpmiDriver.endpoint(target()), IpmiSettings.DEFAULTS)) {
      byte[] flags = new Chassis(s).bootFlags();
      assertThat(flags[1] & Chassis.DEVICE_MASK).isEqualTo(Chassis.DEVICE_PXE);
    }
    assertThat(bmc.ipmitool("chassis", "bootdev", "none")).contains("Set Boot Device to none");
    try (IpmiSession s = IpmiSession.open(IpmiDriver.endpoint(target()), IpmiSettings.DEFAULTS)) {
      assertThat(new Chassis(s).bootFlags()[1] & Chassis.DEVICE_MASK).isZero();
    }
  }

  @Test
  void networkBootThenPowerOnIsWhatTheOldProjectDid() throws Exception {
    driver.perform(target(), PowerAction.NETWORK_BOOT_NEXT);
    driver.perform(target(), PowerAction.ON);
    assertThat(bmc.chassisCalls()).containsSubsequence("0x20 set boot pxe", "0x20 set power 1");
    assertThat(driver.status(target())).isEqualTo(PowerState.ON);
  }

  @Test
  void operatorPrivilegeIsEnoughForPowerControl() throws Exception {
    PowerTarget operator =
        target(
            "ipmi_user",
            IpmiSimulator.OPERATOR_USER,
            "ipmi_password",
            IpmiSimulator.OPERATOR_PASSWORD,
            "ipmi_privilege",
            "operator");
    driver.perform(operator, PowerAction.ON);
    assertThat(driver.status(operator)).isEqualTo(PowerState.ON);
    assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
  }

  @Test
  void wrongPasswordIsAnAuthenticationErrorThatNamesUserAndBmcButNotThePassword() {
    PowerTarget wrong = target("ipmi_password", "not-the-secret");
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> driver.status(wrong))
        .satisfies(e -> log.info("against ipmi_sim: wrong password -> {}", e.getMessage()))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("authentication failed for user 'admin' at 127.0.0.1:" + bmc.port())
        .hasMessageNotContaining("not-the-secret");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    log.info("against ipmi_sim: wrong password refused in {} ms", ms);
    // refused at once, not after waiting for answers that never come
    assertThat(ms).isLessThan(1000);
  }

  @Test
  void unknownUserIsAnAuthenticationError() {
    PowerTarget stranger = target("ipmi_user", "nobody");
    assertThatThrownBy(() -> driver.status(stranger))
        .satisfies(e -> log.info("against ipmi_sim: unknown user -> {}", e.getMessage()))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("authentication failed for user 'nobody' at 127.0.0.1:" + bmc.port())
        .hasMessageNotContaining(IpmiSimulator.PASSWORD);
  }

  @Test
  void thisSimulatorRefusesCipherSuite17AndTheErrorSaysWhy() throws Exception {
    // OpenIPMI's lanserv knows RAKP-HMAC-SHA1 and -MD5 only; ipmitool fails the same way.
    IpmiSimulator.Ipmitool reference =
        bmc.ipmitool(17, IpmiSimulator.PASSWORD, "chassis", "power", "status");
    assertThat(reference.exitCode()).isNotZero();
    assertThat(reference.output()).contains("invalid authentication algorithm");

    assertThatThrownBy(() -> driver.status(target("ipmi_cipher_suite", "17")))
        .satisfies(e -> log.info("against ipmi_sim: cipher suite 17 -> {}", e.getMessage()))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("127.0.0.1:" + bmc.port())
        .hasMessageContaining("invalid authentication algorithm (RMCP+ status 0x04)");
  }

  @Test
  void everySessionIsClosed() throws Exception {
    for (int i = 0; i < 10; i++) {
      driver.status(target());
    }
    driver.perform(target(), PowerAction.ON);
    driver.perform(target(), PowerAction.NETWORK_BOOT_NEXT);
    // ipmitool's own session is the only one left
    assertThat(bmc.ipmitool("session", "info", "active"))
        .containsPattern("active sessions\\s*: 1\\R");
  }

  @Test
  void concurrentCallsEachGetTheirOwnSession() throws Exception {
    bmc.setState("power", "1");
    int threads = 6;
    int callsEach = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<PowerState>> results = new ArrayList<>();
      for (int i = 0; i < threads * callsEach; i++) {
        results.add(pool.submit(() -> driver.status(target())));
      }
      for (Future<PowerState> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(PowerState.ON);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(bmc.ipmitool("session", "info", "active"))
        .containsPattern("active sessions\\s*: 1\\R");
  }

  @Test
  void powerOnThroughTheEngineBootsFromTheNetworkUnlessTheHostSaysNo() throws Exception {
    EngineHarness h = new EngineHarness("ipmi", driver);
    try (Bergenholm engine = h.engine) {
      engine.createHost("installs", target().params());
      engine.createHost("boots-locally", target().params().with("power_on_network_boot", false));

      engine.power("installs", PowerAction.ON);
      assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
          .contains("Boot Device Selector : Force PXE")
          .contains("Options apply to only next boot");
      assertThat(bmc.chassisCalls()).containsSubsequence("0x20 set boot pxe", "0x20 set power 1");
      assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");

      assertThat(bmc.ipmitool("chassis", "bootdev", "none")).contains("Set Boot Device to none");
      assertThat(bmc.ipmitool("chassis", "power", "off")).contains("Down/Off");
      engine.power("boots-locally", PowerAction.ON);
      assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
          .contains("Boot Device Selector : No override");
      assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
      assertThat(h.actions)
          .containsExactly("installs network_boot_next", "installs on", "boots-locally on");
    }
  }
}
