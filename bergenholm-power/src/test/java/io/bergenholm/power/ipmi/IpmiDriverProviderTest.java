package io.bergenholm.power.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerTarget;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class IpmiDriverProviderTest {
  private static PowerTarget target(Map<String, Object> overrides) {
    Map<String, Object> p =
        new HashMap<>(
            Map.of("ipmi_host", "10.0.0.9", "ipmi_user", "admin", "ipmi_password", "pa55word"));
    p.putAll(overrides);
    p.values().removeIf(v -> v == null);
    return new PowerTarget("h1", Params.of(p));
  }

  @Test
  void isFoundByServiceLoaderAsIpmi() {
    assertThat(
            ServiceLoader.load(PowerDriverProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("ipmi")))
        .singleElement()
        .isInstanceOf(IpmiDriverProvider.class)
        .satisfies(p -> assertThat(p.secretParameters()).containsExactly("ipmi_password"));
  }

  @Test
  void defaultsArePort623CipherSuite3AndAdministrator() {
    BmcEndpoint e = IpmiDriver.endpoint(target(Map.of()));
    assertThat(e.port()).isEqualTo(623);
    assertThat(e.suite()).isEqualTo(CipherSuite.SUITE_3);
    assertThat(e.privilege()).isEqualTo(BmcEndpoint.PRIVILEGE_ADMINISTRATOR);
    assertThat(e.toString())
        .isEqualTo("user 'admin' at 10.0.0.9:623 (cipher suite 3)")
        .doesNotContain("pa55word");
  }

  @Test
  void cipherSuite17AndOperatorCanBeChosen() {
    BmcEndpoint e =
        IpmiDriver.endpoint(
            target(
                Map.of(
                    "ipmi_cipher_suite", 17L, "ipmi_privilege", "operator", "ipmi_port", "6230")));
    assertThat(e.suite()).isEqualTo(CipherSuite.SUITE_17);
    assertThat(e.privilege()).isEqualTo(BmcEndpoint.PRIVILEGE_OPERATOR);
    assertThat(e.port()).isEqualTo(6230);
  }

  @Test
  void badParametersNameHostAndKeyAndNeverThePassword() {
    assertThatThrownBy(() -> IpmiDriver.endpoint(target(Map.of("ipmi_cipher_suite", "2"))))
        .isInstanceOf(BadInputException.class)
        .hasMessage("host 'h1': parameter 'ipmi_cipher_suite' must be 3 or 17, found 2");
    assertThatThrownBy(() -> IpmiDriver.endpoint(target(Map.of("ipmi_port", "70000"))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'ipmi_port'");
    Map<String, Object> noHost = new HashMap<>();
    noHost.put("ipmi_host", null);
    assertThatThrownBy(() -> IpmiDriver.endpoint(target(noHost)))
        .isInstanceOf(BadInputException.class)
        .hasMessage("host 'h1': parameter 'ipmi_host' is required by its power driver");
    String longPassword = "x".repeat(21);
    assertThatThrownBy(() -> IpmiDriver.endpoint(target(Map.of("ipmi_password", longPassword))))
        .isInstanceOf(BadInputException.class)
        .hasMessage("host 'h1': parameter 'ipmi_password' is longer than IPMI v2.0's 20 bytes")
        .hasMessageNotContaining(longPassword);
  }

  @Test
  void providerConfigIsChecked() {
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(
                    new IpmiDriverProvider(), Map.of("timeout_ms", "soon")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'timeout_ms' must be a whole number");
    assertThatThrownBy(
            () ->
                TestProviderContext.instantiate(new IpmiDriverProvider(), Map.of("retries", "-1")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'retries' must be between 0 and 20");
  }
}
