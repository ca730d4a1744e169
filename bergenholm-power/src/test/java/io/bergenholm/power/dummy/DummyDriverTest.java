package io.bergenholm.power.dummy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class DummyDriverTest {
  private static PowerTarget host(String id) {
    return new PowerTarget(id, Params.of(Map.of("power_driver", "dummy")));
  }

  private static PowerDriverProvider provider() {
    return ServiceLoader.load(PowerDriverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("dummy"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void isFoundByServiceLoaderAndStartsOnAsThePythonProjectsDummyDid() {
    try (PowerDriver driver = TestProviderContext.instantiate(provider(), Map.of())) {
      assertThat(driver.status(host("a"))).isEqualTo(PowerState.ON);
    }
  }

  @Test
  void switchesEachHostOnItsOwn() {
    try (PowerDriver driver =
        TestProviderContext.instantiate(provider(), Map.of("initial_state", "off"))) {
      driver.perform(host("a"), PowerAction.ON);
      assertThat(driver.status(host("a"))).isEqualTo(PowerState.ON);
      assertThat(driver.status(host("b"))).isEqualTo(PowerState.OFF);
      driver.perform(host("a"), PowerAction.OFF);
      assertThat(driver.status(host("a"))).isEqualTo(PowerState.OFF);
      driver.perform(host("b"), PowerAction.RESET);
      assertThat(driver.status(host("b"))).isEqualTo(PowerState.ON);
    }
  }

  @Test
  void networkBootIsConsumedByTheNextStartOnly() {
    DummyDriver driver = new DummyDriver(PowerState.OFF);
    driver.perform(host("a"), PowerAction.NETWORK_BOOT_NEXT);
    assertThat(driver.state("a").networkBootNext()).isTrue();
    driver.perform(host("a"), PowerAction.ON);
    assertThat(driver.state("a")).isEqualTo(new DummyDriver.HostState(PowerState.ON, false, true));
    driver.perform(host("a"), PowerAction.RESET);
    assertThat(driver.state("a")).isEqualTo(new DummyDriver.HostState(PowerState.ON, false, false));
  }

  @Test
  void initialStateIsConfigurableAndChecked() {
    try (PowerDriver driver =
        TestProviderContext.instantiate(provider(), Map.of("initial_state", "off"))) {
      assertThat(driver.status(host("a"))).isEqualTo(PowerState.OFF);
    }
    try (PowerDriver driver =
        TestProviderContext.instantiate(provider(), Map.of("initial_state", "on"))) {
      assertThat(driver.status(host("a"))).isEqualTo(PowerState.ON);
    }
    assertThatThrownBy(
            () -> TestProviderContext.instantiate(provider(), Map.of("initial_state", "maybe")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("initial_state");
  }

  /** Random action sequences agree with a plain model of on/off. */
  @Test
  void agreesWithAModelUnderRandomActions() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    DummyDriver driver = new DummyDriver(PowerState.OFF);
    Map<String, PowerState> model = new HashMap<>();
    PowerAction[] actions = PowerAction.values();
    for (int i = 0; i < 2_000; i++) {
      String id = "h" + random.nextInt(5);
      PowerAction action = actions[random.nextInt(actions.length)];
      driver.perform(host(id), action);
      switch (action) {
        case ON, RESET -> model.put(id, PowerState.ON);
        case OFF -> model.put(id, PowerState.OFF);
        case NETWORK_BOOT_NEXT -> model.putIfAbsent(id, PowerState.OFF);
      }
      assertThat(driver.status(host(id))).as("seed %d, step %d", seed, i).isEqualTo(model.get(id));
    }
  }
}
