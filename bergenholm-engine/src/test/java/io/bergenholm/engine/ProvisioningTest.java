package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's reinstall: the steps and their order, what an answer says when a step fails, the
 * If-Match check, and the bound on concurrent calls per driver, over an in-memory store. The power
 * drivers here are stand-ins that keep state in memory (the real drivers are tested against
 * simulators in the power module); they record what they are asked and may refuse.
 */
class ProvisioningTest {
  private Bergenholm engine;
  private final Map<String, PowerState> power = new ConcurrentHashMap<>();
  private final Map<String, List<String>> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();

  private PowerDriverProvider recording(String name) {
    running.put(name, new AtomicInteger());
    most.put(name, new AtomicInteger());
    return new PowerDriverProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public PowerDriver create(
          String chosenName, Map<String, String> config, ProviderContext context) {
        return new PowerDriver() {
          @Override
          public PowerState status(PowerTarget target) {
            return power.getOrDefault(target.hostId(), PowerState.OFF);
          }

          @Override
          public void perform(PowerTarget target, PowerAction action) {
            most.get(name).accumulateAndGet(running.get(name).incrementAndGet(), Math::max);
            try {
              Thread.sleep(2);
              if (target.optional("refuse").map(action.wireName()::equals).orElse(false)) {
                throw new UpstreamException(
                    "BMC of '" + target.hostId() + "' refused " + action.wireName());
              }
              calls
                  .computeIfAbsent(target.hostId(), h -> new CopyOnWriteArrayList<>())
                  .add(action.wireName());
              if (action != PowerAction.NETWORK_BOOT_NEXT) {
                power.put(
                    target.hostId(), action == PowerAction.OFF ? PowerState.OFF : PowerState.ON);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              running.get(name).decrementAndGet();
            }
          }
        };
      }
    };
  }

  @BeforeEach
  void start() {
    engine =
        Bergenholm.builder()
            .setting(Bergenholm.STORE, "memory:")
            .setting(Bergenholm.PROVISION_PARALLELISM, "3")
            .addPowerDriver(recording("bmc-a"))
            .addPowerDriver(recording("bmc-b"))
            .build();
    for (String g : List.of("base", "other", "rack", "installed")) {
      engine.createGroup(g, Params.EMPTY);
    }
  }

  @AfterEach
  void stop() {
    engine.close();
  }

  private void host(String id, String driver, String... extra) {
    Map<String, Object> p = new java.util.LinkedHashMap<>();
    p.put("power_driver", driver);
    p.put("groups", List.of("base", "installed"));
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    engine.createHost(id, Params.of(p));
  }

  @Test
  void anOffHostIsSwitchedOnAndAnOnHostResetAfterItsNetworkBoot() {
    host("off", "bmc-a");
    host("on", "bmc-a");
    power.put("on", PowerState.ON);

    ProvisionOutcome off = engine.provision("off", ProvisionRequest.KEEP_GROUPS);
    assertThat(off.ok()).isTrue();
    assertThat(off.done()).containsExactly("groups", "network_boot_next", "on");
    assertThat(off.groups()).contains(List.of("base"));
    assertThat(engine.host("off").orElseThrow().value().groups()).containsExactly("base");
    assertThat(off.version()).contains(engine.host("off").orElseThrow().version());

    ProvisionOutcome on =
        engine.provision(
            "on",
            new ProvisionRequest(Optional.of(List.of("other", "installed")), Optional.empty()));
    assertThat(on.done()).containsExactly("groups", "network_boot_next", "reset");
    assertThat(engine.host("on").orElseThrow().value().groups()).containsExactly("other");
    assertThat(calls.get("on")).containsExactly("network_boot_next", "reset");
  }

  @Test
  void aStaleVersionChangesNothingAndTheCurrentOneGoesThrough() {
    host("h", "bmc-a");
    String version = engine.host("h").orElseThrow().version();
    engine.replaceHost("h", engine.host("h").orElseThrow().value().with("x", 1), Optional.empty());

    ProvisionOutcome stale =
        engine.provision(
            "h", new ProvisionRequest(Optional.of(List.of("other")), Optional.of(version)));
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.done()).isEmpty();
    assertThat(stale.failedStep()).contains("groups");
    assertThat(stale.partial()).isFalse();
    assertThat(calls.get("h")).isNull();
    assertThat(engine.host("h").orElseThrow().value().groups())
        .containsExactly("base", "installed");

    String current = engine.host("h").orElseThrow().version();
    assertThat(
            engine
                .provision(
                    "h", new ProvisionRequest(Optional.of(List.of("other")), Optional.of(current)))
                .ok())
        .isTrue();
  }

  @Test
  void eachFailureSaysWhichStepFailedAndWhatWasAlreadyDone() {
    host("no-boot", "bmc-a", "refuse", "network_boot_next");
    host("no-reset", "bmc-a", "refuse", "reset");
    power.put("no-reset", PowerState.ON);
    host("no-driver", "no-such-driver");

    ProvisionOutcome noBoot = engine.provision("no-boot", ProvisionRequest.KEEP_GROUPS);
    assertThat(noBoot.status()).isEqualTo(502);
    assertThat(noBoot.done()).containsExactly("groups");
    assertThat(noBoot.failedStep()).contains("network_boot_next");
    assertThat(noBoot.partial()).isTrue();
    assertThat(noBoot.error().orElseThrow()).contains("refused network_boot_next");

    ProvisionOutcome noReset = engine.provision("no-reset", ProvisionRequest.KEEP_GROUPS);
    assertThat(noReset.done()).containsExactly("groups", "network_boot_next");
    assertThat(noReset.failedStep()).contains("reset");

    ProvisionOutcome noDriver = engine.provision("no-driver", ProvisionRequest.KEEP_GROUPS);
    assertThat(noDriver.status()).isEqualTo(400);
    assertThat(noDriver.error().orElseThrow()).contains("no-such-driver");

    ProvisionOutcome badGroup =
        engine.provision(
            "no-boot", new ProvisionRequest(Optional.of(List.of("a/b")), Optional.empty()));
    assertThat(badGroup.status()).isEqualTo(400);
    assertThat(badGroup.done()).isEmpty();
    ProvisionOutcome unknownGroup =
        engine.provision(
            "no-reset",
            new ProvisionRequest(Optional.of(List.of("base", "typo")), Optional.empty()));
    assertThat(unknownGroup.status()).isEqualTo(400);
    assertThat(unknownGroup.done()).isEmpty();
    assertThat(unknownGroup.error().orElseThrow()).contains("group 'typo' does not exist");
    assertThat(engine.host("no-reset").orElseThrow().value().groups()).containsExactly("base");

    assertThat(engine.provision("nosuch", ProvisionRequest.KEEP_GROUPS).status()).isEqualTo(404);
  }

  @Test
  void aRackIsAnsweredInOrderOncePerHostWithABoundPerDriver() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String id = "h" + i;
      host(id, i % 2 == 0 ? "bmc-a" : "bmc-b", i == 7 ? "refuse" : "x", "on");
      ids.add(id);
    }
    ids.add("h3"); // twice: answered once
    ids.add("missing");

    List<ProvisionOutcome> out = engine.provision(ids, Optional.of(List.of("rack")));
    assertThat(out)
        .extracting(ProvisionOutcome::hostId)
        .containsExactlyElementsOf(ids.stream().distinct().toList());
    assertThat(out.stream().filter(ProvisionOutcome::ok)).hasSize(39);
    assertThat(out.get(7).failedStep()).contains("on");
    assertThat(out.get(7).done()).containsExactly("groups", "network_boot_next");
    assertThat(out.get(40).status()).isEqualTo(404);
    assertThat(most.get("bmc-a").get()).isLessThanOrEqualTo(3);
    assertThat(most.get("bmc-b").get()).isLessThanOrEqualTo(3);
    for (int i = 0; i < 40; i++) {
      assertThat(engine.host("h" + i).orElseThrow().value().groups()).containsExactly("rack");
    }
    assertThatThrownBy(() -> engine.provision(List.of(), Optional.empty()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("at least one");
  }

  @Test
  void powerOnAsksForANetworkBootFirstUnlessTheHostSaysNo() {
    host("yes", "bmc-a");
    host("no", "bmc-a", "power_on_network_boot", "false");
    host("bad", "bmc-a", "power_on_network_boot", "maybe");
    engine.power("yes", PowerAction.ON);
    engine.power("no", PowerAction.ON);
    engine.power("yes", PowerAction.RESET);
    assertThat(calls.get("yes")).containsExactly("network_boot_next", "on", "reset");
    assertThat(calls.get("no")).containsExactly("on");
    assertThatThrownBy(() -> engine.power("bad", PowerAction.ON))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host 'bad'")
        .hasMessageContaining("power_on_network_boot");
  }
}
