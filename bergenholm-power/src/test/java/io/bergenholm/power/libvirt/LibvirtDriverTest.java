package io.bergenholm.power.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.power.EngineHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the driver against libvirt's own {@code test} driver (in process, no daemon), each test on a
 * node of its own described by an XML file, and checks every effect with a second libvirt
 * connection of its own.
 */
class LibvirtDriverTest {
  private static final Logger log = LoggerFactory.getLogger(LibvirtDriverTest.class);

  static final String RUNNING = "9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a0001";
  static final String STOPPED = "9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a0002";
  static final String PER_DEVICE = "9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a0003";
  static final String NO_NIC = "9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a0004";
  static final String TRANSIENT = "9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a0005";

  @TempDir Path dir;
  String url;
  PowerDriver driver;

  @BeforeEach
  void node() throws IOException {
    Path node = dir.resolve("node.xml");
    Files.writeString(
        node,
        """
        <node>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>running</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>
            <devices><interface type='network'><source network='default'/></interface></devices>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>stopped</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type></os>
            <devices><interface type='network'><source network='default'/></interface></devices>
            <test:runstate>5</test:runstate>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>per-device</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type></os>
            <devices>
              <disk type='file' device='disk'><source file='/var/lib/disk.img'/><target dev='vda'/><boot order='1'/></disk>
              <disk type='file' device='cdrom'><source file='/var/lib/cd.iso'/><target dev='hdc'/><boot order='2'/></disk>
              <interface type='network'><source network='default'/></interface>
            </devices>
            <test:runstate>5</test:runstate>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>no-nic</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type></os>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>transient</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type></os>
            <devices><interface type='network'><source network='default'/></interface></devices>
            <test:transient/>
          </domain>
        </node>
        """
            .formatted(RUNNING, STOPPED, PER_DEVICE, NO_NIC, TRANSIENT));
    url = "test://" + node.toAbsolutePath();
    driver = TestProviderContext.instantiate(provider(), Map.of());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  static PowerDriverProvider provider() {
    return ServiceLoader.load(PowerDriverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("libvirt"))
        .findFirst()
        .orElseThrow();
  }

  PowerTarget host(String id, String... more) {
    Map<String, Object> p = new HashMap<>(Map.of("power_driver", "libvirt", "libvirt_url", url));
    for (int i = 0; i < more.length; i += 2) {
      p.put(more[i], more[i + 1]);
    }
    return new PowerTarget(id, Params.of(p));
  }

  /** The persistent definition, read over the driver's connection to the same node. */
  String definition(String name) throws LibvirtException {
    // A test:///file node lives as long as its connection, so look through the driver's own one.
    Connect c = ((LibvirtDriver) driver).connectionForTest(url);
    Domain d = c.domainLookupByName(name);
    try {
      return d.getXMLDesc(2).replace('\'', '"');
    } finally {
      d.free();
    }
  }

  @Test
  void mapsStatesAndSwitches() {
    long t0 = System.nanoTime();
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.OFF);
    driver.perform(host(RUNNING), PowerAction.OFF);
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.OFF);
    driver.perform(host(RUNNING), PowerAction.OFF); // already off: nothing to do
    driver.perform(host(RUNNING), PowerAction.ON);
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    driver.perform(host(RUNNING), PowerAction.ON); // already on: nothing to do
    driver.perform(host(RUNNING), PowerAction.RESET);
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    driver.perform(host(STOPPED), PowerAction.RESET); // reset of a stopped domain starts it
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
    log.info("libvirt status/off/on/reset sequence: {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * A test:///file node lives as long as its connection, so a node read afresh from its file shows
   * that close() really closed the pooled connection, and that the next call opens a new one.
   */
  @Test
  void closeClosesThePooledConnection() {
    driver.perform(host(RUNNING), PowerAction.OFF);
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.OFF);
    driver.close();
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
  }

  /** The shared connection serves threads at once; each thread switches a domain of its own. */
  @Test
  void servesConcurrentCalls() throws Exception {
    List<String> ids = List.of(RUNNING, STOPPED, PER_DEVICE, NO_NIC);
    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    try {
      List<Future<PowerState>> results = new ArrayList<>();
      for (String id : ids) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    driver.perform(host(id), i % 2 == 0 ? PowerAction.OFF : PowerAction.ON);
                    assertThat(driver.status(host(id)))
                        .isEqualTo(i % 2 == 0 ? PowerState.OFF : PowerState.ON);
                  }
                  return driver.status(host(id));
                }));
      }
      for (Future<PowerState> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(PowerState.ON);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void findsTheDomainByNameOrExplicitUuid() {
    assertThat(driver.status(host("any-host", "libvirt_domain", "stopped")))
        .isEqualTo(PowerState.OFF);
    assertThat(driver.status(host("any-host", "libvirt_domain", RUNNING))).isEqualTo(PowerState.ON);
    driver.perform(host("any-host", "libvirt_domain", "stopped"), PowerAction.ON);
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
  }

  @Test
  void unknownDomainIsNotFound() {
    assertThatThrownBy(() -> driver.status(host("9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a00ff")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("9a6e0f2c-6f1e-4d43-9a43-0c0d0f6a00ff");
    assertThatThrownBy(() -> driver.perform(host("h", "libvirt_domain", "nope"), PowerAction.ON))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void missingOrUnusableParametersAreBadInput() {
    assertThatThrownBy(() -> driver.status(new PowerTarget(RUNNING, Params.EMPTY)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("libvirt_url")
        .hasMessageContaining(RUNNING);
    assertThatThrownBy(() -> driver.status(host("not-a-uuid")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("libvirt_domain");
  }

  @Test
  void aConnectionThatCannotBeOpenedIsAnUpstreamErrorWithLibvirtsReason() throws IOException {
    // A node whose domain libvirt rejects (it has no <os>): the test driver refuses the connection.
    Path broken = dir.resolve("broken.xml");
    Files.writeString(
        broken, "<node><domain type='test'><name>x</name><memory>1024</memory></domain></node>");
    PowerTarget target = host(RUNNING, "libvirt_url", "test://" + broken);
    assertThatThrownBy(() -> driver.status(target))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("broken.xml")
        .hasMessageContaining(RUNNING)
        .hasMessageContaining("cannot connect")
        .hasMessageContaining("an os <type> must be specified");
    log.info("libvirt refused: {}", catchThrowable(() -> driver.status(target)).getMessage());
  }

  @Test
  void networkBootNeedsAnInterfaceAndAPersistentDomain() {
    assertThatThrownBy(() -> driver.perform(host(NO_NIC), PowerAction.NETWORK_BOOT_NEXT))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no <interface>")
        .hasMessageContaining(NO_NIC);
    assertThatThrownBy(() -> driver.perform(host(TRANSIENT), PowerAction.NETWORK_BOOT_NEXT))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("transient");
  }

  @Test
  void aTransientDomainVanishesWhenSwitchedOff() {
    assertThat(driver.status(host(TRANSIENT))).isEqualTo(PowerState.ON);
    driver.perform(host(TRANSIENT), PowerAction.OFF);
    assertThatThrownBy(() -> driver.status(host(TRANSIENT))).isInstanceOf(NotFoundException.class);
  }

  @Test
  void networkBootIsForTheNextStartOnly() throws LibvirtException {
    driver.perform(host(STOPPED), PowerAction.NETWORK_BOOT_NEXT);
    String pending = definition("stopped");
    assertThat(pending).contains("<boot dev=\"network\"/>").contains(BootOrder.NAMESPACE);
    assertThat(pending).containsSubsequence("<os>", "dev=\"network\"", "dev=\"hd\"", "</os>");
    driver.perform(host(STOPPED), PowerAction.NETWORK_BOOT_NEXT); // twice keeps the saved order
    assertThat(definition("stopped")).isEqualTo(pending);

    driver.perform(host(STOPPED), PowerAction.ON);
    assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
    String after = definition("stopped");
    assertThat(after)
        .doesNotContain("network\"/>")
        .doesNotContain(BootOrder.NAMESPACE)
        .contains("<boot dev=\"hd\"/>");
  }

  @Test
  void networkBootOnARunningDomainTakesEffectAtReset() throws LibvirtException {
    driver.perform(host(RUNNING), PowerAction.NETWORK_BOOT_NEXT);
    String pending = definition("running");
    assertThat(pending).containsSubsequence("dev=\"network\"", "dev=\"hd\"", "dev=\"cdrom\"");
    driver.perform(host(RUNNING), PowerAction.RESET);
    assertThat(driver.status(host(RUNNING))).isEqualTo(PowerState.ON);
    String after = definition("running");
    assertThat(after)
        .doesNotContain("dev=\"network\"")
        .doesNotContain(BootOrder.NAMESPACE)
        .containsSubsequence("dev=\"hd\"", "dev=\"cdrom\"");
  }

  @Test
  void perDeviceBootOrderPutsTheInterfaceFirstAndComesBack() throws LibvirtException {
    String before = definition("per-device");
    driver.perform(host(PER_DEVICE), PowerAction.NETWORK_BOOT_NEXT);
    String pending = definition("per-device");
    assertThat(pending)
        .containsSubsequence(
            "<disk",
            "<boot order=\"2\"/>",
            "<disk",
            "<boot order=\"3\"/>",
            "<interface",
            "<boot order=\"1\"/>");
    driver.perform(host(PER_DEVICE), PowerAction.RESET);
    String after = definition("per-device");
    assertThat(after)
        .containsSubsequence("<disk", "<boot order=\"1\"/>", "<disk", "<boot order=\"2\"/>")
        .doesNotContain(BootOrder.NAMESPACE);
    assertThat(after.replaceAll("\\s", "")).isEqualTo(before.replaceAll("\\s", ""));
  }

  @Test
  void powerOnThroughTheEngineStartsFromTheNetwork() throws Exception {
    List<String> atStart = new ArrayList<>();
    EngineHarness h =
        new EngineHarness(
            "libvirt",
            driver,
            (action, target) -> {
              if (action == PowerAction.ON) {
                atStart.add(definition("stopped"));
              }
            });
    try (Bergenholm engine = h.engine) {
      engine.createHost(STOPPED, host(STOPPED).params());
      engine.createHost(RUNNING, host(RUNNING).params());

      engine.power(STOPPED, PowerAction.ON);
      assertThat(h.actions).containsExactly(STOPPED + " network_boot_next", STOPPED + " on");
      // at the moment it was started, its definition booted from the network first
      assertThat(atStart.get(0))
          .containsSubsequence("<os>", "dev=\"network\"", "dev=\"hd\"", "</os>");
      assertThat(driver.status(host(STOPPED))).isEqualTo(PowerState.ON);
      // and the start after that boots as before
      assertThat(definition("stopped"))
          .doesNotContain("dev=\"network\"")
          .contains("<boot dev=\"hd\"/>");

      // already on: the network boot waits in the definition for its next start
      engine.power(RUNNING, PowerAction.ON);
      assertThat(definition("running"))
          .containsSubsequence("<os>", "dev=\"network\"", "dev=\"hd\"", "</os>");
    }
  }
}
