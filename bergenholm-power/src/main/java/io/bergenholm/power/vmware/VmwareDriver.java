package io.bergenholm.power.vmware;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.power.tls.TlsTrust;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches vSphere VMs. Each call opens its own session (RetrieveServiceContent, Login), finds the
 * VM with {@code SearchIndex.FindByUuid} (BIOS UUID, {@code vmSearch=true}), does its work and logs
 * out, so no session is left behind on the vCenter whatever happens. Power operations are vSphere
 * tasks; the driver waits for each to finish (bounded by the task timeout) and reports a task's
 * fault as the call's failure.
 *
 * <p>Semantics, chosen to match what a BMC does with a physical machine: {@code on} of a running VM
 * and {@code off} of a stopped one do nothing; {@code reset} of a stopped VM starts it; a suspended
 * VM counts as {@code off}.
 *
 * <p>Network boot: vSphere keeps a VM's boot order in {@code config.bootOptions.bootOrder} and has
 * no next-boot-only switch, so {@code network_boot_next} puts the VM's first network card first in
 * that order (ReconfigVM_Task) and keeps the order it had in the VM's extraConfig under {@link
 * #SAVED_ORDER_KEY}. The next {@code on} or {@code reset} through this driver writes the saved
 * order back once its power task has finished: vSphere reads the boot order when the VM starts, so
 * the network boot happens and the start after that boots as before. An empty original order (the
 * firmware's default) cannot be set again through the API, so it comes back as the explicit order
 * disks, CD-ROM, network.
 */
final class VmwareDriver implements PowerDriver {
  private static final Logger log = LoggerFactory.getLogger(VmwareDriver.class);
  static final String SAVED_ORDER_KEY = "bergenholm.savedBootOrder";
  private static final Set<String> ETHERNET_TYPES =
      Set.of(
          "VirtualE1000",
          "VirtualE1000e",
          "VirtualPCNet32",
          "VirtualVmxnet",
          "VirtualVmxnet2",
          "VirtualVmxnet3",
          "VirtualVmxnet3Vrdma",
          "VirtualSriovEthernetCard");

  private final TlsTrust defaultTrust;
  private final Duration timeout;
  private final Duration taskTimeout;
  private final ConcurrentMap<TlsTrust, HttpClient> clients = new ConcurrentHashMap<>();

  VmwareDriver(TlsTrust defaultTrust, Duration timeout, Duration taskTimeout) {
    this.defaultTrust = defaultTrust;
    this.timeout = timeout;
    this.taskTimeout = taskTimeout;
  }

  @Override
  public PowerState status(PowerTarget target) {
    return withVm(
        target,
        "status",
        (vim, vm) -> {
          String state = powerState(vim, vm);
          return switch (state) {
            case "poweredOn" -> PowerState.ON;
            case "poweredOff", "suspended" -> PowerState.OFF;
            default -> PowerState.UNKNOWN;
          };
        });
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    withVm(
        target,
        action.wireName(),
        (vim, vm) -> {
          long t0 = System.nanoTime();
          String state = powerState(vim, vm);
          switch (action) {
            case ON -> {
              if (!state.equals("poweredOn")) {
                runTask(vim, vm, "PowerOnVM_Task", "");
                restoreBootOrder(vim, vm);
              }
            }
            case OFF -> {
              if (!state.equals("poweredOff")) {
                runTask(vim, vm, "PowerOffVM_Task", "");
              }
            }
            case RESET -> {
              runTask(vim, vm, state.equals("poweredOn") ? "ResetVM_Task" : "PowerOnVM_Task", "");
              restoreBootOrder(vim, vm);
            }
            case NETWORK_BOOT_NEXT -> networkFirst(target, vim, vm);
          }
          log.info(
              "vmware: host {} ({}) {} done in {} ms (was {})",
              target.hostId(),
              vm.value(),
              action.wireName(),
              (System.nanoTime() - t0) / 1_000_000,
              state);
          return null;
        });
  }

  private static String powerState(VimClient vim, MoRef vm)
      throws VimFault, VimClient.TransportException {
    return Optional.ofNullable(
            vim.properties(vm, List.of("runtime.powerState")).get("runtime.powerState"))
        .map(XmlTree::text)
        .orElse("");
  }

  private void networkFirst(PowerTarget target, VimClient vim, MoRef vm)
      throws VimFault, VimClient.TransportException {
    Map<String, XmlTree> p =
        vim.properties(
            vm, List.of("config.bootOptions", "config.hardware.device", "config.extraConfig"));
    List<XmlTree> devices =
        p.containsKey("config.hardware.device")
            ? p.get("config.hardware.device").children()
            : List.of();
    Optional<Integer> nic =
        devices.stream()
            .filter(d -> ETHERNET_TYPES.contains(d.type()) || d.child("macAddress").isPresent())
            .findFirst()
            .flatMap(d -> d.text("key"))
            .map(Integer::valueOf);
    if (nic.isEmpty()) {
      throw new BadInputException(
          "host '"
              + target.hostId()
              + "': VMware VM "
              + vm.value()
              + " has no network card to boot from");
    }
    List<BootDevice> current =
        Optional.ofNullable(p.get("config.bootOptions"))
            .map(BootDevice::fromBootOptions)
            .orElse(List.of());
    Optional<String> saved = savedOrder(p.get("config.extraConfig"));
    List<BootDevice> original = current;
    if (saved.isPresent()) {
      original = BootDevice.parseTokens(saved.get());
    }
    if (original.isEmpty()) {
      original = firmwareLikeOrder(devices, nic.get());
    }
    List<BootDevice> order = new ArrayList<>();
    order.add(BootDevice.ethernet(nic.get()));
    original.stream().filter(d -> !d.equals(BootDevice.ethernet(nic.get()))).forEach(order::add);
    String keep = saved.orElse(BootDevice.tokens(current));
    reconfigure(vim, vm, order, keep.isEmpty() ? "firmware-default" : keep);
  }

  /** The explicit stand-in for an empty boot order: disks, CD-ROM, then the network card. */
  private static List<BootDevice> firmwareLikeOrder(List<XmlTree> devices, int nic) {
    List<BootDevice> order = new ArrayList<>();
    for (XmlTree d : devices) {
      if (d.type().equals("VirtualDisk")) {
        d.text("key").map(Integer::valueOf).ifPresent(k -> order.add(BootDevice.disk(k)));
      }
    }
    if (devices.stream().anyMatch(d -> d.type().equals("VirtualCdrom"))) {
      order.add(BootDevice.cdrom());
    }
    order.add(BootDevice.ethernet(nic));
    return order;
  }

  /** After a start: puts back the order that {@code network_boot_next} saved, if any. */
  private void restoreBootOrder(VimClient vim, MoRef vm)
      throws VimFault, VimClient.TransportException {
    Map<String, XmlTree> p =
        vim.properties(vm, List.of("config.extraConfig", "config.hardware.device"));
    Optional<String> saved = savedOrder(p.get("config.extraConfig"));
    if (saved.isEmpty()) {
      return;
    }
    List<BootDevice> order;
    if (saved.get().equals("firmware-default")) {
      List<XmlTree> devices =
          p.containsKey("config.hardware.device")
              ? p.get("config.hardware.device").children()
              : List.of();
      Optional<Integer> nic =
          devices.stream()
              .filter(d -> ETHERNET_TYPES.contains(d.type()) || d.child("macAddress").isPresent())
              .findFirst()
              .flatMap(d -> d.text("key"))
              .map(Integer::valueOf);
      order = nic.map(n -> firmwareLikeOrder(devices, n)).orElse(List.of());
    } else {
      order = BootDevice.parseTokens(saved.get());
    }
    reconfigure(vim, vm, order, "");
    log.info("vmware: {} boot order restored to [{}]", vm.value(), BootDevice.tokens(order));
  }

  /** The saved order in extraConfig: the last entry with our key wins, an empty value is none. */
  static Optional<String> savedOrder(XmlTree extraConfig) {
    if (extraConfig == null) {
      return Optional.empty();
    }
    Optional<String> value = Optional.empty();
    for (XmlTree option : extraConfig.children()) {
      if (option.text("key").filter(SAVED_ORDER_KEY::equals).isPresent()) {
        value = option.text("value");
      }
    }
    return value.filter(v -> !v.isEmpty());
  }

  private void reconfigure(VimClient vim, MoRef vm, List<BootDevice> order, String savedValue)
      throws VimFault, VimClient.TransportException {
    StringBuilder spec = new StringBuilder("<spec>");
    // VirtualMachineConfigSpec's schema order: extraConfig comes before bootOptions.
    spec.append("<extraConfig xsi:type=\"OptionValue\"><key>")
        .append(SAVED_ORDER_KEY)
        .append("</key><value xsi:type=\"xsd:string\">")
        .append(XmlTree.escape(savedValue))
        .append("</value></extraConfig><bootOptions>");
    order.forEach(d -> spec.append(d.xml()));
    spec.append("</bootOptions></spec>");
    runTask(vim, vm, "ReconfigVM_Task", spec.toString());
  }

  /** Starts a task on {@code vm} and waits for it to finish; a failed task is its fault. */
  private void runTask(VimClient vim, MoRef vm, String method, String parameters)
      throws VimFault, VimClient.TransportException {
    MoRef task = MoRef.of(vim.invoke(method, vm.xml("_this") + parameters));
    long deadline = System.nanoTime() + taskTimeout.toNanos();
    long pause = 20;
    while (true) {
      Map<String, XmlTree> info = vim.properties(task, List.of("info.state", "info.error"));
      String state = Optional.ofNullable(info.get("info.state")).map(XmlTree::text).orElse("");
      if (state.equals("success")) {
        return;
      }
      if (state.equals("error")) {
        XmlTree error = info.get("info.error");
        throw error == null ? new VimFault("", method + " failed") : VimClient.fault(error, method);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new VimFault(
            "Timeout",
            method
                + " did not finish within "
                + taskTimeout.toSeconds()
                + " s (task "
                + task.value()
                + ", state '"
                + state
                + "')");
      }
      try {
        Thread.sleep(Math.min(pause, left / 1_000_000 + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VimFault("Interrupted", "interrupted while waiting for " + method);
      }
      pause = Math.min(pause * 2, 1000);
    }
  }

  @FunctionalInterface
  private interface VmCall<T> {
    T apply(VimClient vim, MoRef vm) throws VimFault, VimClient.TransportException;
  }

  private <T> T withVm(PowerTarget target, String what, VmCall<T> body) {
    String host = target.required("vmware_host");
    int port = target.integer("vmware_port", 443);
    String user = target.required("vmware_user");
    String password = target.required("vmware_password");
    TlsTrust trust = trust(target);
    String where = "vCenter " + host + ":" + port;
    URI endpoint;
    try {
      endpoint = new URI("https", null, host, port, "/sdk", null, null);
    } catch (URISyntaxException e) {
      throw new BadInputException(
          "host '"
              + target.hostId()
              + "': parameter 'vmware_host' is not a"
              + " host name or address: '"
              + host
              + "'");
    }
    VimClient vim = new VimClient(client(trust), endpoint, timeout);
    boolean loggedIn = false;
    try {
      try {
        vim.login(user, password);
      } catch (VimFault e) {
        throw new UpstreamException(
            "host '"
                + target.hostId()
                + "': "
                + where
                + " refused the login"
                + " of user '"
                + user
                + "': "
                + e.getMessage());
      }
      loggedIn = true;
      MoRef vm =
          vim.findVmByBiosUuid(target.hostId())
              .orElseThrow(
                  () ->
                      new NotFoundException(
                          "VMware VM with BIOS UUID", target.hostId() + "' at '" + where));
      return body.apply(vim, vm);
    } catch (VimFault e) {
      throw new UpstreamException(
          "host '" + target.hostId() + "': " + where + ": " + what + " failed: " + e.getMessage());
    } catch (VimClient.TransportException e) {
      throw new UpstreamException(
          "host '" + target.hostId() + "': " + where + ": " + what + " failed: " + e.getMessage(),
          e);
    } finally {
      if (loggedIn) {
        try {
          vim.logout();
        } catch (VimFault | VimClient.TransportException e) {
          log.warn("vmware: logout from {} failed: {}", where, e.getMessage());
        }
      }
    }
  }

  private TlsTrust trust(PowerTarget target) {
    Optional<Path> ca =
        target
            .optional("vmware_ca_file")
            .filter(s -> !s.isEmpty())
            .map(Path::of)
            .or(defaultTrust::caFile);
    boolean insecure =
        target
            .optional("vmware_insecure")
            .filter(s -> !s.isEmpty())
            .map(v -> flag("host '" + target.hostId() + "': parameter 'vmware_insecure'", v))
            .orElse(defaultTrust.insecure());
    return new TlsTrust(ca, insecure);
  }

  static boolean flag(String what, String value) {
    if (value == null || value.isEmpty() || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw new BadInputException(what + " must be 'true' or 'false', found '" + value + "'");
  }

  private HttpClient client(TlsTrust trust) {
    return clients.computeIfAbsent(
        trust,
        t ->
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .sslContext(t.sslContext())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
  }

  @Override
  public void close() {
    // HttpClient (Java 17) has no close; dropping the clients lets their threads end.
    clients.clear();
  }
}
