package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.engine.store.MemoryStore;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What the engine lends a provider: its name and settings, stored templates, a scheduler, the
 * secrets policy.
 */
class EngineContextTest {
  /** Keeps what the engine handed to create. */
  static final class CapturingProvider implements PowerDriverProvider {
    final AtomicReference<ProviderContext> context = new AtomicReference<>();
    final AtomicReference<String> name = new AtomicReference<>();
    final AtomicReference<Map<String, String>> config = new AtomicReference<>();

    @Override
    public String name() {
      return "site";
    }

    @Override
    public Set<String> secretConfigKeys() {
      return Set.of("api_key");
    }

    @Override
    public Set<String> secretParameters() {
      return Set.of("site_secret_word");
    }

    @Override
    public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
      this.name.set(name);
      this.config.set(config);
      this.context.set(context);
      return new PowerDriver() {
        @Override
        public PowerState status(PowerTarget target) {
          return PowerState.ON;
        }

        @Override
        public void perform(PowerTarget target, PowerAction action) {}
      };
    }
  }

  @Test
  void providersGetTheirSettingsTemplatesASchedulerAndTheSecretsPolicy() throws Exception {
    CapturingProvider provider = new CapturingProvider();
    MemoryStore store = new MemoryStore();
    store.hosts().create("h", Params.of(Map.of("power_driver", "site")));
    store.templates().create("part", "included text");
    ProviderContext context;
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(store)
            .addPowerDriver(provider)
            .setting("power.site.url", "https://pdu.example")
            .setting("power.site.api_key", "k3y")
            .build()) {
      assertThat(engine.powerStatus("h")).isEqualTo(PowerState.ON);
      context = provider.context.get();
      assertThat(provider.name.get()).isEqualTo("site");
      assertThat(provider.config.get())
          .isEqualTo(Map.of("url", "https://pdu.example", "api_key", "k3y"));

      assertThat(context.storedTemplate("part")).hasValue("included text");
      engine.replaceTemplate("part", "changed", Optional.empty());
      assertThat(context.storedTemplate("part")).hasValue("changed");
      assertThat(context.storedTemplate("missing")).isEmpty();
      assertThat(context.storedTemplate("../../etc/passwd")).isEmpty();

      var secrets = context.secrets();
      assertThat(secrets.isSecret("api_key")).isTrue();
      assertThat(secrets.isSecret("power.site.api_key")).isTrue();
      assertThat(secrets.isSecret("site_secret_word")).isTrue();
      assertThat(secrets.isSecret("ipmi_password")).isTrue();
      assertThat(secrets.isSecret("url")).isFalse();
      assertThat(secrets.mask("api_key", "k3y")).isEqualTo(Secrets.MASK);
      assertThat(secrets.mask("url", "https://admin:pw@pdu.example/x"))
          .isEqualTo("https://admin:********@pdu.example/x");

      CountDownLatch ran = new CountDownLatch(1);
      context.scheduler().schedule(ran::countDown, 10, TimeUnit.MILLISECONDS);
      assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(context.scheduler()).isSameAs(context.scheduler());
    }
    // The engine stops the scheduler it lent.
    assertThat(context.scheduler().isShutdown()).isTrue();
  }
}
