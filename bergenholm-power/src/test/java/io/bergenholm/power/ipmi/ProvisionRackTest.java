package io.bergenholm.power.ipmi;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ProvisionOutcome;
import io.bergenholm.power.dummy.DummyDriverProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reinstalling a rack in one engine call: 50 hosts on the dummy driver and 10 behind their own
 * ipmi_sim BMCs (half of them on, half off), plus one whose BMC refuses the password; every host is
 * answered, the refused one says exactly what was done, and ipmitool sees each network boot.
 */
class ProvisionRackTest {
  private static final Logger log = LoggerFactory.getLogger(ProvisionRackTest.class);
  private static final int PER_DRIVER = 4;

  @TempDir Path tmp;
  private final List<IpmiSimulator> bmcs = new ArrayList<>();

  @AfterEach
  void stop() {
    bmcs.forEach(IpmiSimulator::close);
  }

  /** The real dummy driver, counting how many calls run at once and what each host was asked. */
  private static final class CountingDummy implements PowerDriverProvider {
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    final Map<String, List<String>> actions = new ConcurrentHashMap<>();

    @Override
    public String name() {
      return "dummy";
    }

    @Override
    public PowerDriver create(
        String chosenName, Map<String, String> config, ProviderContext context) {
      PowerDriver real = new DummyDriverProvider().create(chosenName, config, context);
      return new PowerDriver() {
        @Override
        public PowerState status(PowerTarget target) {
          return counted(() -> real.status(target));
        }

        @Override
        public void perform(PowerTarget target, PowerAction action) {
          counted(
              () -> {
                real.perform(target, action);
                actions
                    .computeIfAbsent(target.hostId(), h -> new CopyOnWriteArrayList<>())
                    .add(action.wireName());
                return null;
              });
        }
      };
    }

    private <T> T counted(java.util.function.Supplier<T> call) {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        Thread.sleep(5); // long enough for calls to overlap if nothing bounds them
        return call.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        running.decrementAndGet();
      }
    }
  }

  @Test
  void fiftyDummyHostsAndTenIpmiSimHostsInOneCall() throws Exception {
    CountingDummy dummy = new CountingDummy();
    try (Bergenholm engine =
        Bergenholm.builder()
            .setting(Bergenholm.STORE, "memory:")
            .setting(Bergenholm.PROVISION_PARALLELISM, String.valueOf(PER_DRIVER))
            .setting("power.ipmi.timeout_ms", "1000")
            .setting("power.ipmi.retries", "2")
            .addPowerDriver(dummy)
            .build()) {
      engine.createGroup("centos", Params.of(Map.of("ipxe_script", "install.ipxe")));
      engine.createGroup("installed", Params.of(Map.of("ipxe_script", "localboot.ipxe")));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String id = String.format("dummy-%02d", i);
        engine.createHost(
            id, Params.of(Map.of("power_driver", "dummy", "groups", List.of("installed"))));
        ids.add(id);
      }
      Map<String, IpmiSimulator> byHost = new LinkedHashMap<>();
      for (int i = 0; i < 10; i++) {
        IpmiSimulator bmc = IpmiSimulator.start(tmp);
        bmcs.add(bmc);
        if (i % 2 == 0) {
          bmc.setState("power", "1");
        }
        String id = String.format("ipmi-%02d", i);
        engine.createHost(id, ipmiHost(bmc, IpmiSimulator.PASSWORD));
        ids.add(id);
        byHost.put(id, bmc);
      }
      engine.createHost("ipmi-refused", ipmiHost(bmcs.get(0), "not-the-password"));
      ids.add("ipmi-refused");

      List<ProvisionOutcome> outcomes =
          engine.provision(ids, Optional.of(List.of("centos", "installed")));

      assertThat(outcomes).extracting(ProvisionOutcome::hostId).containsExactlyElementsOf(ids);
      for (ProvisionOutcome o : outcomes.subList(0, 60)) {
        assertThat(o.ok()).as("%s", o).isTrue();
        assertThat(o.status()).isEqualTo(200);
        assertThat(o.groups()).contains(List.of("centos"));
        assertThat(engine.host(o.hostId()).orElseThrow().value().groups())
            .containsExactly("centos");
      }
      // the dummy driver starts on, so each of its hosts is reset, after its network boot
      for (String id : ids.subList(0, 50)) {
        assertThat(dummy.actions.get(id)).containsExactly("network_boot_next", "reset");
        assertThat(outcomes.get(ids.indexOf(id)).done())
            .containsExactly("groups", "network_boot_next", "reset");
      }
      assertThat(dummy.most.get()).isLessThanOrEqualTo(PER_DRIVER);
      log.info("dummy driver: at most {} calls at once (bound {})", dummy.most.get(), PER_DRIVER);

      int i = 0;
      for (Map.Entry<String, IpmiSimulator> e : byHost.entrySet()) {
        IpmiSimulator bmc = e.getValue();
        boolean wasOn = i++ % 2 == 0;
        ProvisionOutcome o = outcomes.get(ids.indexOf(e.getKey()));
        assertThat(o.done()).containsExactly("groups", "network_boot_next", wasOn ? "reset" : "on");
        assertThat(bmc.ipmitool("chassis", "bootparam", "get", "5"))
            .contains("Boot Device Selector : Force PXE")
            .contains("Options apply to only next boot");
        assertThat(bmc.chassisCalls())
            .containsSubsequence(
                "0x20 set boot pxe", wasOn ? "0x20 set reset 1" : "0x20 set power 1");
        assertThat(bmc.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
      }

      ProvisionOutcome refused = outcomes.get(60);
      log.info("refused: {}", refused);
      assertThat(refused.status()).isEqualTo(502);
      assertThat(refused.partial()).isTrue();
      assertThat(refused.done()).containsExactly("groups");
      assertThat(refused.failedStep()).contains("network_boot_next");
      assertThat(refused.error().orElseThrow())
          .contains("authentication failed")
          .doesNotContain("not-the-password");
      assertThat(engine.host("ipmi-refused").orElseThrow().value().groups())
          .containsExactly("centos");
    }
  }

  private static Params ipmiHost(IpmiSimulator bmc, String password) {
    return Params.of(
        Map.of(
            "power_driver",
            "ipmi",
            "ipmi_host",
            "127.0.0.1",
            "ipmi_port",
            (long) bmc.port(),
            "ipmi_user",
            IpmiSimulator.USER,
            "ipmi_password",
            password,
            "groups",
            List.of("installed")));
  }
}
