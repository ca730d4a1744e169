package io.bergenholm.example.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the packaged plugin jar the way a host application does: a {@link URLClassLoader} over the
 * jar, whose parent sees Bergenholm's API but not the plugin, and {@link ServiceLoader} on it.
 */
class CommandPluginTest {
  static final String SCRIPT =
      """
      #!/bin/sh
      # A stand-in for a site's own power script: keeps each host's state in a file.
      state="$BERGENHOLM_PARAM_STATE_DIR/$2"
      case "$2" in
        unknown-host) exit 4 ;;
        refusing-host) echo "starting" >&2; echo "BMC says no" >&2; exit 2 ;;
        slow-host) sleep 10 ;;
      esac
      echo "$1 $2 $BERGENHOLM_ACTION $BERGENHOLM_HOST_ID" >> "$BERGENHOLM_PARAM_STATE_DIR/calls.log"
      case "$1" in
        status) cat "$state" 2>/dev/null || echo off ;;
        on|reset) echo on > "$state" ;;
        off) echo off > "$state" ;;
        network_boot_next) touch "$state.pxe" ;;
        *) echo "unknown action $1" >&2; exit 1 ;;
      esac
      """;

  @TempDir Path dir;
  URLClassLoader pluginLoader;
  PowerDriverProvider provider;

  @BeforeEach
  void load() throws IOException {
    Path jar = Path.of(System.getProperty("plugin.jar"));
    assertThat(jar).isRegularFile();
    pluginLoader =
        new URLClassLoader(
            new URL[] {jar.toUri().toURL()},
            new HidePlugin(PowerDriverProvider.class.getClassLoader()));
    List<PowerDriverProvider> found =
        ServiceLoader.load(PowerDriverProvider.class, pluginLoader).stream()
            .map(ServiceLoader.Provider::get)
            .toList();
    assertThat(found).extracting(PowerDriverProvider::name).containsExactly("command");
    provider = found.get(0);
  }

  @AfterEach
  void close() throws IOException {
    pluginLoader.close();
  }

  @Test
  void comesFromTheJarAndNotFromTheClassPath() {
    assertThat(provider.getClass().getClassLoader()).isSameAs(pluginLoader);
    assertThat(provider.getClass().getProtectionDomain().getCodeSource().getLocation().getPath())
        .endsWith(".jar");
  }

  @Test
  void runsTheProgramForEachCall() throws IOException {
    Path script = script();
    try (PowerDriver driver =
        TestProviderContext.instantiate(provider, Map.of("program", script.toString()))) {
      PowerTarget host = host("host-1");
      assertThat(driver.status(host)).isEqualTo(PowerState.OFF);
      driver.perform(host, PowerAction.ON);
      assertThat(driver.status(host)).isEqualTo(PowerState.ON);
      driver.perform(host, PowerAction.NETWORK_BOOT_NEXT);
      driver.perform(host, PowerAction.OFF);
      assertThat(driver.status(host)).isEqualTo(PowerState.OFF);
      driver.perform(host, PowerAction.RESET);
      assertThat(driver.status(host)).isEqualTo(PowerState.ON);
      assertThat(dir.resolve("host-1.pxe")).exists();
      assertThat(Files.readAllLines(dir.resolve("calls.log")))
          .containsExactly(
              "status host-1 status host-1",
              "on host-1 on host-1",
              "status host-1 status host-1",
              "network_boot_next host-1 network_boot_next host-1",
              "off host-1 off host-1",
              "status host-1 status host-1",
              "reset host-1 reset host-1",
              "status host-1 status host-1");
    }
  }

  @Test
  void failuresAreValuesTheCallerCanActOn() throws IOException {
    Path script = script();
    try (PowerDriver driver =
        TestProviderContext.instantiate(
            provider, Map.of("program", script.toString(), "timeout_seconds", "0.5"))) {
      assertThatThrownBy(() -> driver.status(host("unknown-host")))
          .isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> driver.perform(host("refusing-host"), PowerAction.ON))
          .isInstanceOf(UpstreamException.class)
          .hasMessageEndingWith("failed with status 2: BMC says no");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> driver.perform(host("slow-host"), PowerAction.ON))
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining("did not finish within 500 ms");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }
    try (PowerDriver driver = TestProviderContext.instantiate(provider, Map.of())) {
      assertThatThrownBy(() -> driver.status(host("host-1")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("power_command");
      assertThatThrownBy(
              () ->
                  driver.status(
                      new PowerTarget(
                          "h",
                          Params.of(Map.of("power_command", dir.resolve("missing").toString())))))
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining("cannot run power command");
    }
  }

  private PowerTarget host(String id) {
    return new PowerTarget(
        id, Params.of(Map.of("power_driver", "command", "state_dir", dir.toString())));
  }

  private Path script() throws IOException {
    Path script = dir.resolve("power.sh");
    Files.writeString(script, SCRIPT);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * The host application's class loader as a plugin's parent sees it: Bergenholm's API and the JDK,
   * but none of the plugin's classes or service registrations (which this module's own test class
   * path would otherwise show).
   */
  static final class HidePlugin extends ClassLoader {
    HidePlugin(ClassLoader application) {
      super(application);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("io.bergenholm.example.")) {
        throw new ClassNotFoundException(name);
      }
      return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
      return name.startsWith("META-INF/services/") ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.startsWith("META-INF/services/")
          ? Collections.emptyEnumeration()
          : super.getResources(name);
    }
  }
}
