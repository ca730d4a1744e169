package io.bergenholm.power.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import io.bergenholm.power.tls.TlsTrust;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the driver against govmomi's vCenter simulator over TLS, with a certificate signed by a CA
 * that the test makes with openssl, and checks each effect through a SOAP session of its own.
 */
class VmwareDriverTest {
  private static final Logger log = LoggerFactory.getLogger(VmwareDriverTest.class);
  private static final String USER = "operator";
  private static final String PASSWORD = "s3cret&<pass>";

  static Path certs;
  static Vcsim vcsim;

  /** BIOS UUID by VM name, as the simulator reports them. */
  static Map<String, String> vms;

  PowerDriver driver;

  @BeforeAll
  static void startSimulator() throws Exception {
    assumeTrue(Vcsim.onPath("openssl"), "openssl is absent");
    certs = Files.createTempDirectory("vcsim-certs");
    makeCertificates(certs);
    vcsim =
        Vcsim.start(
            "-tls",
            "files",
            "-cert",
            certs.resolve("server.pem").toString(),
            "-key",
            certs.resolve("server.key").toString(),
            "-user",
            USER,
            "-pass",
            PASSWORD);
    vms = inspect(vim -> listVms(vim));
    log.info("simulator VMs: {}", vms);
  }

  @AfterAll
  static void stopSimulator() throws Exception {
    if (vcsim != null) {
      vcsim.close();
    }
  }

  @BeforeEach
  void createDriver() {
    driver =
        TestProviderContext.instantiate(
            provider(),
            Map.of(
                "ca_file",
                certs.resolve("ca.pem").toString(),
                "timeout_seconds",
                "5",
                "task_timeout_seconds",
                "20"));
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  static PowerDriverProvider provider() {
    return ServiceLoader.load(PowerDriverProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("vmware"))
        .findFirst()
        .orElseThrow();
  }

  static PowerTarget host(String id, String... more) {
    Map<String, Object> p =
        new HashMap<>(
            Map.of(
                "power_driver",
                "vmware",
                "vmware_host",
                "127.0.0.1",
                "vmware_port",
                String.valueOf(vcsim.port()),
                "vmware_user",
                USER,
                "vmware_password",
                PASSWORD));
    for (int i = 0; i < more.length; i += 2) {
      p.put(more[i], more[i + 1]);
    }
    return new PowerTarget(id, Params.of(p));
  }

  @Test
  void switchesAVmAndReadsItsState() {
    String uuid = vms.get("DC0_H0_VM0");
    long t0 = System.nanoTime();
    assertThat(driver.status(host(uuid))).isEqualTo(PowerState.ON);
    long status = System.nanoTime() - t0;
    driver.perform(host(uuid), PowerAction.OFF);
    assertThat(driver.status(host(uuid))).isEqualTo(PowerState.OFF);
    assertThat(peerPowerState(uuid)).isEqualTo("poweredOff");
    driver.perform(host(uuid), PowerAction.OFF); // already off: nothing to do
    driver.perform(host(uuid), PowerAction.ON);
    assertThat(peerPowerState(uuid)).isEqualTo("poweredOn");
    driver.perform(host(uuid), PowerAction.ON); // already on: nothing to do
    driver.perform(host(uuid), PowerAction.RESET);
    assertThat(driver.status(host(uuid))).isEqualTo(PowerState.ON);
    driver.perform(host(uuid), PowerAction.OFF);
    driver.perform(host(uuid), PowerAction.RESET); // reset of a stopped VM starts it
    assertThat(peerPowerState(uuid)).isEqualTo("poweredOn");
    log.info(
        "vmware: status {} ms; whole sequence (10 calls) {} ms",
        status / 1_000_000,
        (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  void networkBootIsForTheNextStartOnlyAndKeepsAnExplicitOrder() throws Exception {
    String uuid = vms.get("DC0_H0_VM1");
    MoRef vm = inspect(vim -> vim.findVmByBiosUuid(uuid).orElseThrow());
    Map<String, Integer> keys = inspect(vim -> deviceKeys(vim, vm));
    String disk = "disk:" + keys.get("VirtualDisk");
    String nic = "ethernet:" + keys.get("VirtualE1000");
    inspect(
        vim -> {
          setBootOrder(vim, vm, disk + ",cdrom");
          return null;
        });
    driver.perform(host(uuid), PowerAction.OFF);

    driver.perform(host(uuid), PowerAction.NETWORK_BOOT_NEXT);
    assertThat(peerBootOrder(vm)).isEqualTo(nic + "," + disk + ",cdrom");
    assertThat(peerSavedOrder(vm)).contains(disk + ",cdrom");
    driver.perform(host(uuid), PowerAction.NETWORK_BOOT_NEXT); // twice keeps the saved order
    assertThat(peerSavedOrder(vm)).contains(disk + ",cdrom");
    assertThat(peerBootOrder(vm)).isEqualTo(nic + "," + disk + ",cdrom");

    driver.perform(host(uuid), PowerAction.ON);
    assertThat(peerPowerState(uuid)).isEqualTo("poweredOn");
    assertThat(peerBootOrder(vm)).isEqualTo(disk + ",cdrom");
    assertThat(peerSavedOrder(vm)).isEmpty();

    driver.perform(host(uuid), PowerAction.NETWORK_BOOT_NEXT); // on a running VM: reset boots it
    assertThat(peerBootOrder(vm)).startsWith(nic);
    driver.perform(host(uuid), PowerAction.RESET);
    assertThat(peerBootOrder(vm)).isEqualTo(disk + ",cdrom");
  }

  @Test
  void networkBootWithTheFirmwareDefaultOrder() throws Exception {
    String uuid = vms.get("DC0_C0_RP0_VM0");
    MoRef vm = inspect(vim -> vim.findVmByBiosUuid(uuid).orElseThrow());
    Map<String, Integer> keys = inspect(vim -> deviceKeys(vim, vm));
    assertThat(peerBootOrder(vm)).isEmpty();
    driver.perform(host(uuid), PowerAction.NETWORK_BOOT_NEXT);
    String nic = "ethernet:" + keys.get("VirtualE1000");
    assertThat(peerBootOrder(vm)).startsWith(nic + ",disk:" + keys.get("VirtualDisk"));
    assertThat(peerSavedOrder(vm)).contains("firmware-default");
    driver.perform(host(uuid), PowerAction.RESET);
    assertThat(peerBootOrder(vm)).isEqualTo("disk:" + keys.get("VirtualDisk") + ",cdrom," + nic);
    assertThat(peerSavedOrder(vm)).isEmpty();
  }

  /**
   * Each call has its own session; calls from several threads at once do not disturb each other.
   */
  @Test
  void servesConcurrentCalls() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<PowerState>> results = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 40; i++) {
        String uuid = List.copyOf(vms.values()).get(i % vms.size());
        results.add(pool.submit(() -> driver.status(host(uuid))));
      }
      for (Future<PowerState> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isIn(PowerState.ON, PowerState.OFF);
      }
      log.info(
          "vmware: 40 status calls on 8 threads in {} ms", (System.nanoTime() - t0) / 1_000_000);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every call logs out, also when it fails, so no session is left on the vCenter. */
  @Test
  void leavesNoSessionBehind() throws Exception {
    int before = inspect(VmwareDriverTest::sessions);
    assertThat(before).as("the inspecting session itself").isPositive();
    String uuid = vms.get("DC0_C0_RP0_VM1");
    driver.status(host(uuid));
    driver.perform(host(uuid), PowerAction.RESET);
    catchThrowable(() -> driver.status(host("00000000-1111-2222-3333-444444444444")));
    catchThrowable(() -> driver.perform(host(uuid, "vmware_password", "wrong"), PowerAction.ON));
    assertThat(inspect(VmwareDriverTest::sessions)).isEqualTo(before);
  }

  static int sessions(VimClient vim) throws Exception {
    XmlTree list =
        vim.properties(vim.serviceContent().sessionManager(), List.of("sessionList"))
            .get("sessionList");
    return list == null ? 0 : list.children().size();
  }

  @Test
  void unknownBiosUuidIsNotFound() {
    String unknown = "00000000-1111-2222-3333-444444444444";
    assertThatThrownBy(() -> driver.status(host(unknown)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(unknown);
  }

  @Test
  void wrongPasswordIsAClearErrorThatDoesNotRepeatIt() {
    String uuid = vms.get("DC0_H0_VM0");
    Throwable t = catchThrowable(() -> driver.status(host(uuid, "vmware_password", "wrong-one")));
    assertThat(t)
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("refused the login of user '" + USER + "'")
        .hasMessageContaining("InvalidLogin")
        .hasMessageNotContaining("wrong-one");
    log.info("wrong password: {}", t.getMessage());
  }

  @Test
  void tlsIsVerifiedByDefaultAndInsecureIsExplicit() {
    String uuid = vms.get("DC0_H0_VM0");
    try (PowerDriver plain =
        TestProviderContext.instantiate(provider(), Map.of("timeout_seconds", "5"))) {
      Throwable t = catchThrowable(() -> plain.status(host(uuid)));
      assertThat(t)
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining("TLS handshake failed")
          .hasMessageContaining("vmware_ca_file");
      log.info("untrusted certificate: {}", t.getMessage());
      assertThat(plain.status(host(uuid, "vmware_insecure", "true")))
          .isIn(PowerState.ON, PowerState.OFF);
      assertThat(plain.status(host(uuid, "vmware_ca_file", certs.resolve("ca.pem").toString())))
          .isIn(PowerState.ON, PowerState.OFF);
    }
    try (PowerDriver lab =
        TestProviderContext.instantiate(provider(), Map.of("insecure", "true"))) {
      assertThat(lab.status(host(uuid))).isIn(PowerState.ON, PowerState.OFF);
      assertThatThrownBy(() -> lab.status(host(uuid, "vmware_insecure", "false")))
          .isInstanceOf(UpstreamException.class);
      assertThatThrownBy(() -> lab.status(host(uuid, "vmware_insecure", "perhaps")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("vmware_insecure");
    }
  }

  @Test
  void theCaCheckIncludesTheHostName() {
    // The server certificate names 127.0.0.1 only; "localhost" must not pass with the same CA.
    String uuid = vms.get("DC0_H0_VM0");
    assertThatThrownBy(() -> driver.status(host(uuid, "vmware_host", "localhost")))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("TLS handshake failed");
  }

  @Test
  void aServerThatDoesNotAnswerFailsWithinTheTimeout() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        PowerDriver quick =
            TestProviderContext.instantiate(
                provider(), Map.of("timeout_seconds", "1", "insecure", "true"))) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept()); // accept and never answer
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      long t0 = System.nanoTime();
      Throwable t =
          catchThrowable(
              () ->
                  quick.status(
                      host(
                          vms.get("DC0_H0_VM0"),
                          "vmware_port",
                          String.valueOf(silent.getLocalPort()))));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(t).isInstanceOf(UpstreamException.class).hasMessageContaining("127.0.0.1:");
      assertThat(ms).isLessThan(5_000);
      log.info("silent server: failed after {} ms: {}", ms, t.getMessage());
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void aClosedPortIsAnUpstreamError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(
            () -> driver.status(host(vms.get("DC0_H0_VM0"), "vmware_port", String.valueOf(port))))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("ConnectException");
  }

  @Test
  void missingParametersAreBadInput() {
    PowerTarget noHost =
        new PowerTarget("h", Params.of(Map.of("vmware_user", "u", "vmware_password", "p")));
    assertThatThrownBy(() -> driver.status(noHost))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("vmware_host");
    assertThat(provider().secretParameters()).contains("vmware_password");
  }

  // ---- the test's own view of the simulator, through a separate session ----

  @FunctionalInterface
  interface VimCall<T> {
    T apply(VimClient vim) throws Exception;
  }

  static <T> T inspect(VimCall<T> call) throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(new TlsTrust(Optional.of(certs.resolve("ca.pem")), false).sslContext())
            .build();
    VimClient vim =
        new VimClient(
            http, URI.create("https://127.0.0.1:" + vcsim.port() + "/sdk"), Duration.ofSeconds(10));
    vim.login(USER, PASSWORD);
    try {
      return call.apply(vim);
    } finally {
      vim.logout();
    }
  }

  static Map<String, String> listVms(VimClient vim) throws Exception {
    VimClient.ServiceContent sc = vim.serviceContent();
    MoRef view =
        MoRef.of(
            vim.invoke(
                "CreateContainerView",
                sc.viewManager().xml("_this")
                    + sc.rootFolder().xml("container")
                    + "<type>VirtualMachine</type><recursive>true</recursive>"));
    XmlTree r =
        vim.invoke(
            "RetrievePropertiesEx",
            sc.propertyCollector().xml("_this")
                + "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>"
                + "<pathSet>config.uuid</pathSet></propSet><objectSet>"
                + view.xml("obj")
                + "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>v</name>"
                + "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
                + "</objectSet></specSet><options/>");
    Map<String, String> byName = new LinkedHashMap<>();
    for (XmlTree o : r.all("objects")) {
      Map<String, String> props = new HashMap<>();
      for (XmlTree p : o.all("propSet")) {
        props.put(p.text("name").orElseThrow(), p.text("val").orElseThrow());
      }
      byName.put(props.get("name"), props.get("config.uuid"));
    }
    vim.invoke("DestroyView", view.xml("_this"));
    return byName;
  }

  static Map<String, Integer> deviceKeys(VimClient vim, MoRef vm) throws Exception {
    Map<String, Integer> keys = new HashMap<>();
    for (XmlTree d :
        vim.properties(vm, List.of("config.hardware.device"))
            .get("config.hardware.device")
            .children()) {
      keys.putIfAbsent(d.type(), Integer.valueOf(d.text("key").orElseThrow()));
    }
    return keys;
  }

  static void setBootOrder(VimClient vim, MoRef vm, String tokens) throws Exception {
    StringBuilder spec = new StringBuilder("<spec><bootOptions>");
    BootDevice.parseTokens(tokens).forEach(d -> spec.append(d.xml()));
    spec.append("</bootOptions></spec>");
    MoRef task = MoRef.of(vim.invoke("ReconfigVM_Task", vm.xml("_this") + spec));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!vim.properties(task, List.of("info.state"))
        .get("info.state")
        .text()
        .equals("success")) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  static String peerPowerState(String uuid) {
    try {
      return inspect(
          vim ->
              vim.properties(
                      vim.findVmByBiosUuid(uuid).orElseThrow(), List.of("runtime.powerState"))
                  .get("runtime.powerState")
                  .text());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String peerBootOrder(MoRef vm) throws Exception {
    return inspect(
        vim ->
            BootDevice.tokens(
                Optional.ofNullable(
                        vim.properties(vm, List.of("config.bootOptions")).get("config.bootOptions"))
                    .map(BootDevice::fromBootOptions)
                    .orElse(List.of())));
  }

  static Optional<String> peerSavedOrder(MoRef vm) throws Exception {
    return inspect(
        vim ->
            VmwareDriver.savedOrder(
                vim.properties(vm, List.of("config.extraConfig")).get("config.extraConfig")));
  }

  static void makeCertificates(Path dir) throws IOException, InterruptedException {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Bergenholm test CA");
    run(
        dir,
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1");
    run(
        dir,
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext");
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }

  @Test
  void powerOnThroughTheEngineStartsFromTheNetwork() throws Exception {
    String uuid = vms.get("DC0_H0_VM1");
    MoRef vm = inspect(vim -> vim.findVmByBiosUuid(uuid).orElseThrow());
    Map<String, Integer> keys = inspect(vim -> deviceKeys(vim, vm));
    String disk = "disk:" + keys.get("VirtualDisk");
    String nic = "ethernet:" + keys.get("VirtualE1000");
    inspect(
        vim -> {
          setBootOrder(vim, vm, disk + ",cdrom");
          return null;
        });
    driver.perform(host(uuid), PowerAction.OFF);
    List<String> atStart = new ArrayList<>();
    EngineHarness h =
        new EngineHarness(
            "vmware",
            driver,
            (action, target) -> {
              if (action == PowerAction.ON) {
                atStart.add(peerBootOrder(vm));
              }
            });
    try (Bergenholm engine = h.engine) {
      engine.createHost(uuid, host(uuid).params());
      engine.power(uuid, PowerAction.ON);
      assertThat(h.actions).containsExactly(uuid + " network_boot_next", uuid + " on");
      assertThat(atStart).containsExactly(nic + "," + disk + ",cdrom");
      assertThat(peerPowerState(uuid)).isEqualTo("poweredOn");
      assertThat(peerBootOrder(vm)).isEqualTo(disk + ",cdrom");
    }
  }
}
