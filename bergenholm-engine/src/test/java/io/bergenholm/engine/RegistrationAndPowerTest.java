package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.engine.store.MemoryStore;
import io.bergenholm.store.file.FileParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RegistrationAndPowerTest {
  @TempDir Path tmp;

  @Test
  void ofConcurrentRegistrationsExactlyOneCreates() throws Exception {
    registerRace(new MemoryStore(), 50);
  }

  @Test
  void ofConcurrentRegistrationsExactlyOneCreatesInTheDirectoryStore() throws Exception {
    try (FileParameterStore store = FileParameterStore.open(tmp.resolve("store"))) {
      registerRace(store, 10);
    }
  }

  private static void registerRace(ParameterStore store, int rounds) throws Exception {
    try (Bergenholm engine = Bergenholm.builder().store(store).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        for (int round = 0; round < rounds; round++) {
          String id = String.format("00000000-0000-4000-8000-%012d", round);
          CyclicBarrier start = new CyclicBarrier(4);
          List<Future<Boolean>> results = new ArrayList<>();
          for (int t = 0; t < 4; t++) {
            String serial = "s" + t;
            results.add(
                pool.submit(
                    () -> {
                      start.await(10, TimeUnit.SECONDS);
                      try {
                        engine.register(id, Map.of("serial", serial));
                        return true;
                      } catch (AlreadyExistsException e) {
                        return false;
                      }
                    }));
          }
          int created = 0;
          for (Future<Boolean> f : results) {
            created += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
          }
          assertThat(created).as("round %d", round).isEqualTo(1);
          assertThat(engine.host(id)).isPresent();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void concurrentMarksLoseNothingAndNeverDuplicate() throws Exception {
    MemoryStore store = new MemoryStore();
    store.hosts().create("h", Params.of(Map.of("groups", List.of("a"))));
    try (Bergenholm engine = Bergenholm.builder().store(store).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      engine.markInstalled("h", true);
                    }
                  }));
        }
        for (Future<?> f : fs) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(engine.host("h").orElseThrow().value().groups()).containsExactly("a", "installed");
    }
  }

  /**
   * A driver that records its calls: the engine's part (choice, creation, config, target) is under
   * test here.
   */
  static final class RecordingProvider implements PowerDriverProvider {
    final AtomicInteger created = new AtomicInteger();
    final List<Map<String, String>> configs = new CopyOnWriteArrayList<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public Set<String> secretParameters() {
      return Set.of("recording_secret");
    }

    @Override
    public Set<String> secretConfigKeys() {
      return Set.of("token");
    }

    @Override
    public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
      created.incrementAndGet();
      configs.add(config);
      return new PowerDriver() {
        @Override
        public PowerState status(PowerTarget target) {
          calls.add("status " + target.hostId() + " " + target.required("recording_addr"));
          return PowerState.ON;
        }

        @Override
        public void perform(PowerTarget target, PowerAction action) {
          calls.add(
              action.wireName() + " " + target.hostId() + " " + target.required("recording_addr"));
        }
      };
    }
  }

  @Test
  void powerGoesToTheDriverTheHostNamesWithResolvedParameters() {
    MemoryStore store = new MemoryStore();
    store
        .groups()
        .create(
            "bmc",
            Params.of(
                Map.of(
                    "power_driver",
                    "recording",
                    "net",
                    "10.0.0",
                    "recording_addr",
                    "{{net}}.{{octet}}")));
    store.hosts().create("h1", Params.of(Map.of("groups", List.of("bmc"), "octet", "7")));
    store.hosts().create("h2", Params.of(Map.of("groups", List.of("bmc"), "octet", "8")));
    store.hosts().create("bare", Params.of(Map.of()));
    store.hosts().create("odd", Params.of(Map.of("power_driver", "nosuch")));
    RecordingProvider provider = new RecordingProvider();
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(store)
            .addPowerDriver(provider)
            .config(
                Map.of(
                    "power.recording.timeout",
                    "5",
                    "power.recording.token",
                    "s3cret",
                    "power.other.x",
                    "y"))
            .build()) {
      assertThat(provider.created).hasValue(0);
      assertThat(engine.powerStatus("h1")).isEqualTo(PowerState.ON);
      engine.power("h2", PowerAction.RESET);
      assertThat(provider.calls).containsExactly("status h1 10.0.0.7", "reset h2 10.0.0.8");
      assertThat(provider.created).hasValue(1);
      assertThat(provider.configs).containsExactly(Map.of("timeout", "5", "token", "s3cret"));
      assertThat(engine.isSecretParameter("recording_secret")).isTrue();
      assertThat(engine.isSecretParameter("bmc_password")).isTrue();
      assertThatThrownBy(() -> engine.powerStatus("bare"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("host 'bare' has no 'power_driver'")
          .hasMessageContaining("recording");
      assertThatThrownBy(() -> engine.power("odd", PowerAction.ON))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("unknown power driver 'nosuch'");
    }
  }

  @Test
  void secretsAreMaskedInWhatIsLogged() {
    assertThat(Secrets.maskLocation("mongodb://admin:hunter2@db1:27017/bergenholm"))
        .isEqualTo("mongodb://admin:********@db1:27017/bergenholm");
    SecretPolicy policy = new SecretPolicy();
    policy.declare("power.recording.key");
    assertThat(policy.mask("power.ipmi.password", "x")).isEqualTo("********");
    assertThat(policy.mask("power.vmware.token", "t")).isEqualTo("********");
    assertThat(policy.mask("power.recording.key", "k")).isEqualTo("********");
    assertThat(policy.mask("renderer.strict", "true")).isEqualTo("true");
    assertThat(policy.mask("store", "mongodb://admin:hunter2@db1/b"))
        .isEqualTo("mongodb://admin:********@db1/b");
    assertThat(policy.isSecret("power.recording.key")).isTrue();
    assertThat(policy.isSecret("power.recording.host")).isFalse();
  }
}
