package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.engine.store.MemoryStore;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Providers found through the plugin class loader's META-INF/services, and chosen by name. */
class PluginDiscoveryTest {
  @TempDir Path tmp;

  /** A driver found only through the plugin folder's service file. */
  public static final class FolderDriverProvider implements PowerDriverProvider {
    static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public String name() {
      return "folder";
    }

    @Override
    public Set<String> secretParameters() {
      return Set.of("folder_key");
    }

    @Override
    public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
      CREATED.incrementAndGet();
      return new PowerDriver() {
        @Override
        public PowerState status(PowerTarget target) {
          return PowerState.valueOf(
              config.getOrDefault("answer", "unknown").toUpperCase(java.util.Locale.ROOT));
        }

        @Override
        public void perform(PowerTarget target, PowerAction action) {
          throw new UpstreamException("refused " + action.wireName());
        }
      };
    }
  }

  /** An image source for scheme {@code test}, handed to the builder. */
  static final class TestSourceProvider implements ImageSourceProvider {
    final AtomicInteger created = new AtomicInteger();
    volatile Map<String, String> config;

    @Override
    public String name() {
      return "tester";
    }

    @Override
    public Set<String> schemes() {
      return Set.of("test");
    }

    @Override
    public ImageSource create(String name, Map<String, String> config, ProviderContext context) {
      created.incrementAndGet();
      this.config = config;
      return (ImageRequest request) -> {
        throw new UpstreamException("no images here: " + request.uri());
      };
    }
  }

  private ClassLoader pluginFolder() throws IOException {
    Path services = tmp.resolve("plugin/META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve(PowerDriverProvider.class.getName()),
        "# a plugin jar's service file\n" + FolderDriverProvider.class.getName() + "\n");
    return new URLClassLoader(
        new URL[] {tmp.resolve("plugin").toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void providersComeFromThePluginClassLoader() throws IOException {
    ParameterStore store = new MemoryStore();
    store.hosts().create("h", io.bergenholm.api.Params.of(Map.of("power_driver", "folder")));
    try (Bergenholm plain = Bergenholm.builder().store(store).build()) {
      assertThatThrownBy(() -> plain.powerStatus("h"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("unknown power driver 'folder'");
      assertThat(plain.isSecretParameter("folder_key")).isFalse();
    }
    int before = FolderDriverProvider.CREATED.get();
    try (Bergenholm withPlugins =
        Bergenholm.builder()
            .store(store)
            .pluginClassLoader(pluginFolder())
            .setting("power.folder.answer", "on")
            .build()) {
      assertThat(withPlugins.powerStatus("h")).isEqualTo(PowerState.ON);
      assertThat(withPlugins.powerStatus("h")).isEqualTo(PowerState.ON);
      assertThatThrownBy(() -> withPlugins.power("h", PowerAction.OFF))
          .isInstanceOf(UpstreamException.class);
      assertThat(FolderDriverProvider.CREATED.get() - before).isEqualTo(1);
      assertThat(withPlugins.isSecretParameter("folder_key")).isTrue();
      assertThat(withPlugins.secretParameters()).contains("folder_key");
    }
  }

  @Test
  void imageSourcesAreChosenBySchemeAndCreatedOnce() {
    TestSourceProvider provider = new TestSourceProvider();
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(new MemoryStore())
            .addImageSource(provider)
            .config(Map.of("image.tester.timeout_ms", "1500"))
            .build()) {
      assertThat(provider.created).hasValue(0);
      assertThat(engine.imageSource("TEST")).isPresent();
      assertThat(engine.imageSource("test")).containsSame(engine.imageSource("test").orElseThrow());
      assertThat(provider.created).hasValue(1);
      assertThat(provider.config).isEqualTo(Map.of("timeout_ms", "1500"));
      assertThat(engine.imageSource("gopher")).isEmpty();
    }
  }

  @Test
  void theMemoryStoreAndJinjavaAreFoundByName() {
    try (Bergenholm engine =
        Bergenholm.builder()
            .config(Map.of("store", "memory:", "renderer", "jinjava", "renderer.strict", "true"))
            .build()) {
      engine.createTemplate("t", "{{ nothing_here }}");
      engine.createHost("h", io.bergenholm.api.Params.EMPTY);
      assertThatThrownBy(() -> engine.renderTemplate("t", "h"))
          .hasMessageContaining("nothing_here");
      assertThat(engine.listTemplates()).isEqualTo(List.of("t"));
    }
  }
}
