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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cipher suite 17. ipmi_sim does not offer it (see {@link IpmiDriverSimulatorTest}), so ipmitool
 * {@code -C 17} checks {@link Rmcp17Bmc}, whose keys come from the client's own code, and then the
 * client talks to the same BMC.
 */
class CipherSuite17Test {
  private static final String USER = "admin";
  private static final String PASSWORD = "sha256-secret";

  private static String ipmitool(int port, String password, String... args) throws Exception {
    IpmiSimulator.assumeInstalled();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ipmitool",
                "-I",
                "lanplus",
                "-C",
                "17",
                "-H",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                USER,
                "-P",
                password,
                "-R",
                "1",
                "-N",
                "2"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("ipmitool finished").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return "exit " + p.exitValue() + "\n" + out;
  }

  private static PowerTarget target(int port, String password) {
    return new PowerTarget(
        "suite17-host",
        Params.of(
            Map.of(
                "ipmi_host",
                "127.0.0.1",
                "ipmi_port",
                Integer.toString(port),
                "ipmi_user",
                USER,
                "ipmi_password",
                password,
                "ipmi_cipher_suite",
                "17")));
  }

  @Test
  void ipmitoolAcceptsTheHmacSha256KeyExchangeAndPackets() throws Exception {
    try (Rmcp17Bmc bmc = new Rmcp17Bmc(USER, PASSWORD)) {
      assertThat(ipmitool(bmc.port(), PASSWORD, "chassis", "power", "on"))
          .startsWith("exit 0")
          .contains("Chassis Power Control: Up/On");
      assertThat(bmc.powerOn()).isTrue();
      assertThat(ipmitool(bmc.port(), PASSWORD, "chassis", "power", "status"))
          .startsWith("exit 0")
          .contains("Chassis Power is on");
      assertThat(bmc.problems()).isEmpty();
    }
  }

  @Test
  void theDriverSpeaksSuite17AndIpmitoolSeesTheResult() throws Exception {
    try (Rmcp17Bmc bmc = new Rmcp17Bmc(USER, PASSWORD)) {
      PowerDriver driver =
          TestProviderContext.instantiate(new IpmiDriverProvider(), Map.of("timeout_ms", "500"));
      assertThat(driver.status(target(bmc.port(), PASSWORD))).isEqualTo(PowerState.OFF);
      driver.perform(target(bmc.port(), PASSWORD), PowerAction.NETWORK_BOOT_NEXT);
      driver.perform(target(bmc.port(), PASSWORD), PowerAction.ON);
      assertThat(bmc.bootDevice()).isEqualTo(Chassis.DEVICE_PXE);
      assertThat(ipmitool(bmc.port(), PASSWORD, "chassis", "power", "status"))
          .startsWith("exit 0")
          .contains("Chassis Power is on");
      assertThat(bmc.commands())
          .contains(
              "netfn 0x00 cmd 0x08 data 058004000000",
              "netfn 0x00 cmd 0x02 data 01",
              "netfn 0x06 cmd 0x3c data eeffc000");
      assertThat(bmc.problems()).isEmpty();
    }
  }

  @Test
  void aWrongPasswordFailsTheSameWayForIpmitoolAndTheDriver() throws Exception {
    try (Rmcp17Bmc bmc = new Rmcp17Bmc(USER, PASSWORD)) {
      assertThat(ipmitool(bmc.port(), "wrong", "chassis", "power", "status"))
          .doesNotStartWith("exit 0");
      assertThatThrownBy(
              () ->
                  TestProviderContext.instantiate(new IpmiDriverProvider(), Map.of())
                      .status(target(bmc.port(), "wrong")))
          .isInstanceOf(UpstreamException.class)
          .hasMessage(
              "IPMI authentication failed for user 'admin' at 127.0.0.1:"
                  + bmc.port()
                  + ": the BMC's RAKP 2 key exchange code does not match this password");
    }
  }
}
