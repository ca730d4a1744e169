package io.bergenholm.engine.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.base.Strings;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.store.MemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin jars built at test time and loaded from a plugin folder: each plugin gets its own class
 * loader, sees its own copy of a library the engine also uses, and sees nothing of the engine but
 * the API and SLF4J.
 */
class PluginIsolationTest {
  private static final String SERVICE = PowerDriverProvider.class.getName();

  @TempDir Path work;

  /** A stand-in for an old Guava: the same class and method as the engine's, another answer. */
  private static final String OLD_GUAVA =
      """
      package com.google.common.base;

      public final class Strings {
        public static String repeat(String s, int count) {
          return "old guava repeat of " + s;
        }
      }
      """;

  /** A driver that reports which Strings it sees, and from which loader. */
  private static final String BUNDLING_PLUGIN =
      """
      package example.bundling;

      import com.google.common.base.Strings;
      import io.bergenholm.api.ProviderContext;
      import io.bergenholm.api.UpstreamException;
      import io.bergenholm.api.power.*;
      import java.util.Map;
      import org.slf4j.LoggerFactory;

      public final class BundlingProvider implements PowerDriverProvider {
        public String name() { return "bundling"; }
        public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
          LoggerFactory.getLogger(BundlingProvider.class).info("created {}", name);
          return new PowerDriver() {
            public PowerState status(PowerTarget target) {
              return Strings.repeat("x", 2).startsWith("old guava") ? PowerState.ON : PowerState.OFF;
            }
            public void perform(PowerTarget target, PowerAction action) {
              throw new UpstreamException(Strings.repeat("x", 2) + " from loader "
                  + Strings.class.getClassLoader().getName());
            }
          };
        }
      }
      """;

  /** A driver that does not bundle Guava: the engine's copy must stay out of its reach. */
  private static final String BARE_PLUGIN =
      """
      package example.bare;

      import io.bergenholm.api.ProviderContext;
      import io.bergenholm.api.power.*;
      import java.util.Map;

      public final class BareProvider implements PowerDriverProvider {
        public String name() { return "bare"; }
        public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
          return new PowerDriver() {
            public PowerState status(PowerTarget target) {
              try {
                Class.forName("com.google.common.base.Strings");
                return PowerState.ON;
              } catch (ClassNotFoundException e) {
                return PowerState.OFF;
              }
            }
            public void perform(PowerTarget target, PowerAction action) {}
          };
        }
      }
      """;

  private static String twin(String pkg, String answer) {
    return """
        package PKG;

        import io.bergenholm.api.ProviderContext;
        import io.bergenholm.api.power.*;
        import java.util.Map;

        public final class Twin implements PowerDriverProvider {
          public String name() { return "twin"; }
          public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
            return new PowerDriver() {
              public PowerState status(PowerTarget target) { return PowerState.ANSWER; }
              public void perform(PowerTarget target, PowerAction action) {}
            };
          }
        }
        """
        .replace("PKG", pkg)
        .replace("ANSWER", answer);
  }

  private MemoryStore storeWithHost(String driver) {
    MemoryStore store = new MemoryStore();
    store.hosts().create("h", Params.of(Map.of("power_driver", driver)));
    return store;
  }

  @Test
  void aPluginUsesItsOwnLibraryVersionWhileTheEngineKeepsItsOwn() throws Exception {
    Path plugins = work.resolve("plugins");
    Path oldGuava =
        PluginJars.build(
            work,
            plugins.resolve("bundling/guava-1.0.jar"),
            Map.of("com.google.common.base.Strings", OLD_GUAVA),
            List.of(),
            Map.of());
    PluginJars.build(
        work,
        plugins.resolve("bundling/bundling.jar"),
        Map.of("example.bundling.BundlingProvider", BUNDLING_PLUGIN),
        List.of(oldGuava),
        Map.of(SERVICE, List.of("example.bundling.BundlingProvider")));
    PluginJars.build(
        work,
        plugins.resolve("bare.jar"),
        Map.of("example.bare.BareProvider", BARE_PLUGIN),
        List.of(),
        Map.of(SERVICE, List.of("example.bare.BareProvider")));

    try (Bergenholm engine =
        Bergenholm.builder().store(storeWithHost("bundling")).pluginFolder(plugins).build()) {
      assertThat(engine.powerStatus("h")).isEqualTo(PowerState.ON);
      assertThatThrownBy(() -> engine.power("h", PowerAction.ON))
          .isInstanceOf(UpstreamException.class)
          .hasMessage("old guava repeat of x from loader bundling");
      // The engine's own Guava is untouched by the plugin's.
      assertThat(Strings.repeat("x", 2)).isEqualTo("xx");
      assertThat(Strings.class.getClassLoader()).isSameAs(Bergenholm.class.getClassLoader());
      // The API is shared (else the provider would not be a PowerDriverProvider at all), and a
      // plugin without Guava does not see the engine's.
      engine.replaceHost(
          "h", Params.of(Map.of("power_driver", "bare")), java.util.Optional.empty());
      assertThat(engine.powerStatus("h")).isEqualTo(PowerState.OFF);
    }
  }

  @Test
  void twoPluginsClaimingOneNameAreAnErrorUntilConfigurationPicksOne() throws Exception {
    Path plugins = work.resolve("plugins");
    Path a =
        PluginJars.build(
            work,
            plugins.resolve("a-twin.jar"),
            Map.of("a.Twin", twin("a", "ON")),
            List.of(),
            Map.of(SERVICE, List.of("a.Twin")));
    Path b =
        PluginJars.build(
            work,
            plugins.resolve("b-twin.jar"),
            Map.of("b.Twin", twin("b", "OFF")),
            List.of(),
            Map.of(SERVICE, List.of("b.Twin")));

    assertThatThrownBy(
            () -> Bergenholm.builder().store(storeWithHost("twin")).pluginFolder(plugins).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("a.Twin (from " + a + ")")
        .hasMessageContaining("b.Twin (from " + b + ")")
        .hasMessageContaining("plugins.prefer.power.twin");

    for (String preferred : List.of("a.Twin", "b.Twin")) {
      try (Bergenholm engine =
          Bergenholm.builder()
              .store(storeWithHost("twin"))
              .pluginFolder(plugins)
              .setting("plugins.prefer.power.twin", preferred)
              .build()) {
        assertThat(engine.powerStatus("h"))
            .isEqualTo(preferred.equals("a.Twin") ? PowerState.ON : PowerState.OFF);
      }
    }
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .store(storeWithHost("twin"))
                    .pluginFolder(plugins)
                    .setting("plugins.prefer.power.twin", "c.Twin")
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("names none of")
        .hasMessageContaining("a.Twin")
        .hasMessageContaining("b.Twin");
  }

  @Test
  void theSameClassInTwoJarsCannotBePreferredByName() throws Exception {
    Path plugins = work.resolve("plugins");
    PluginJars.build(
        work,
        plugins.resolve("one.jar"),
        Map.of("a.Twin", twin("a", "ON")),
        List.of(),
        Map.of(SERVICE, List.of("a.Twin")));
    PluginJars.build(
        work,
        plugins.resolve("two.jar"),
        Map.of("a.Twin", twin("a", "OFF")),
        List.of(),
        Map.of(SERVICE, List.of("a.Twin")));
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .store(storeWithHost("twin"))
                    .pluginFolder(plugins)
                    .setting("plugins.prefer.power.twin", "a.Twin")
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("several jars")
        .hasMessageContaining(plugins.resolve("one.jar").toString())
        .hasMessageContaining(plugins.resolve("two.jar").toString());
  }

  @Test
  void aFolderThatIsNotAPluginFolderIsRefused() throws Exception {
    Path plugins = work.resolve("plugins");
    Files.createDirectories(plugins.resolve("empty"));
    assertThatThrownBy(
            () -> Bergenholm.builder().store(new MemoryStore()).pluginFolder(plugins).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("holds no jar");
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .store(new MemoryStore())
                    .pluginFolder(work.resolve("missing"))
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("is not a directory");
  }
}
