package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches machines through their BMC's Redfish service: finds the ComputerSystem by the host's
 * UUID (or {@code redfish_system}), reads {@code PowerState}, resets with the {@code ResetType} the
 * BMC lists, and sets a one-time boot override to the network.
 *
 * <p>Vendor behaviour it copes with: ETags required on PATCH (If-Match, and a retry with a fresh
 * one on 412 or 428), BMCs that refuse a PATCH of {@code BootSourceOverrideMode} even to its
 * current value (retried without it) and BMCs that forget the mode unless it is sent (so it is sent
 * when known), expired sessions (401: log in again once), sessions created without Location or
 * token, weak ETags where the BMC compares strong ones, links naming the BMC's inside address (only
 * their path is used), reset types listed only in an ActionInfo resource or not at all, resets
 * refused on a machine that is off (the driver switches it on instead), already-on or already-off
 * machines (nothing sent), UUIDs reported with the first three fields byte-swapped, and task
 * monitors (202 + Location) awaited with a bound.
 */
final class RedfishDriver implements PowerDriver {
  private static final Logger log = LoggerFactory.getLogger(RedfishDriver.class);
  private static final List<String> STANDARD_RESET_TYPES =
      List.of(
          "On",
          "ForceOff",
          "GracefulShutdown",
          "GracefulRestart",
          "ForceRestart",
          "ForceOn",
          "PushPowerButton",
          "PowerCycle");

  private record BmcKey(
      String scheme,
      String host,
      int port,
      String user,
      String password,
      boolean sessions,
      TlsTrust trust) {}

  private final TlsTrust defaultTrust;
  private final Duration timeout;
  private final Duration taskTimeout;
  private final ConcurrentMap<TlsTrust, HttpClient> https = new ConcurrentHashMap<>();
  private final ConcurrentMap<BmcKey, RedfishClient> clients = new ConcurrentHashMap<>();

  /** ComputerSystem paths by BMC and host id, so that a host is searched for once. */
  private final ConcurrentMap<String, String> systems = new ConcurrentHashMap<>();

  RedfishDriver(TlsTrust defaultTrust, Duration timeout, Duration taskTimeout) {
    this.defaultTrust = defaultTrust;
    this.timeout = timeout;
    this.taskTimeout = taskTimeout;
  }

  @Override
  public PowerState status(PowerTarget target) {
    RedfishClient c = client(target);
    return powerState(system(target, c).body());
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    RedfishClient c = client(target);
    RedfishResponse system = system(target, c);
    switch (action) {
      case ON -> reset(target, c, system, PowerAction.ON);
      case OFF -> reset(target, c, system, PowerAction.OFF);
      case RESET -> reset(target, c, system, PowerAction.RESET);
      case NETWORK_BOOT_NEXT -> bootOnceFromNetwork(target, c, system);
    }
  }

  static PowerState powerState(JsonNode system) {
    return switch (system.path("PowerState").asText()) {
      case "On", "PoweringOn" -> PowerState.ON;
      case "Off", "PoweringOff" -> PowerState.OFF;
      default -> PowerState.UNKNOWN;
    };
  }

  // ---- reset ----

  private void reset(
      PowerTarget target, RedfishClient c, RedfishResponse system, PowerAction action) {
    PowerState state = powerState(system.body());
    if ((action == PowerAction.ON && state == PowerState.ON)
        || (action == PowerAction.OFF && state == PowerState.OFF)) {
      // Several BMCs answer an error to On when on and to ForceOff when off.
      log.info("redfish: host {} is already {}", target.hostId(), state.wireName());
      return;
    }
    List<String> preferred =
        switch (action) {
          case ON ->
              state == PowerState.OFF
                  ? List.of("On", "ForceOn", "PushPowerButton")
                  : List.of("On", "ForceOn");
          case OFF -> List.of("ForceOff", "GracefulShutdown");
          // A restart of a machine that is off is refused by many BMCs: switch it on instead.
          default ->
              state == PowerState.OFF
                  ? List.of("On", "ForceOn", "PushPowerButton")
                  : List.of("ForceRestart", "PowerCycle", "GracefulRestart");
        };
    JsonNode resetAction = system.body().path("Actions").path("#ComputerSystem.Reset");
    String actionTarget =
        RedfishResponse.text(resetAction, "target")
            .orElseThrow(
                () ->
                    new UpstreamException(
                        "host '"
                            + target.hostId()
                            + "': "
                            + c.where()
                            + ": system "
                            + systemPath(system)
                            + " offers no #ComputerSystem.Reset action"));
    List<String> allowed = allowedResetTypes(c, resetAction);
    String type =
        preferred.stream()
            .filter(allowed::contains)
            .findFirst()
            .orElseThrow(
                () ->
                    new UpstreamException(
                        "host '"
                            + target.hostId()
                            + "': "
                            + c.where()
                            + " lists ResetType "
                            + allowed
                            + ", none of which does '"
                            + action.wireName()
                            + "' (wanted one of "
                            + preferred
                            + ")"));
    log.info("redfish: host {} {} -> ResetType {}", target.hostId(), action.wireName(), type);
    RedfishResponse r =
        c.post(actionTarget, RedfishClient.JSON.createObjectNode().put("ResetType", type));
    finish(target, c, "POST", actionTarget, r);
  }

  private static List<String> allowedResetTypes(RedfishClient c, JsonNode resetAction) {
    List<String> allowed = new ArrayList<>();
    resetAction.path("ResetType@Redfish.AllowableValues").forEach(v -> allowed.add(v.asText()));
    if (!allowed.isEmpty()) {
      return allowed;
    }
    Optional<String> info = RedfishResponse.text(resetAction, "@Redfish.ActionInfo");
    if (info.isPresent()) {
      for (JsonNode p : c.getOk(info.get()).body().path("Parameters")) {
        if (p.path("Name").asText().equals("ResetType")) {
          p.path("AllowableValues").forEach(v -> allowed.add(v.asText()));
        }
      }
    }
    // A BMC that lists nothing is taken to accept the standard values.
    return allowed.isEmpty() ? STANDARD_RESET_TYPES : allowed;
  }

  // ---- boot override ----

  private void bootOnceFromNetwork(PowerTarget target, RedfishClient c, RedfishResponse system) {
    String bootTarget = choice(target, "redfish_boot_target", List.of("Pxe", "UefiHttp"), "Pxe");
    Optional<String> wantedMode =
        target
            .optional("redfish_boot_mode")
            .filter(s -> !s.isEmpty())
            .map(m -> choice(target, "redfish_boot_mode", List.of("UEFI", "Legacy"), m));
    JsonNode boot = system.body().path("Boot");
    List<String> targets = new ArrayList<>();
    boot.path("BootSourceOverrideTarget@Redfish.AllowableValues")
        .forEach(v -> targets.add(v.asText()));
    if (!targets.isEmpty() && !targets.contains(bootTarget)) {
      throw new UpstreamException(
          "host '"
              + target.hostId()
              + "': "
              + c.where()
              + " does not offer boot target '"
              + bootTarget
              + "'; it lists "
              + targets);
    }
    Optional<String> currentMode = RedfishResponse.text(boot, "BootSourceOverrideMode");
    Optional<String> mode =
        wantedMode.or(() -> bootTarget.equals("UefiHttp") ? Optional.of("UEFI") : currentMode);
    ObjectNode override =
        RedfishClient.JSON
            .createObjectNode()
            .put("BootSourceOverrideEnabled", "Once")
            .put("BootSourceOverrideTarget", bootTarget);
    mode.ifPresent(m -> override.put("BootSourceOverrideMode", m));
    String path = systemPath(system);
    RedfishResponse r = patchBoot(c, path, override, system);
    if (r.status() == 400
        && mode.isPresent()
        && mode.equals(currentMode)
        && RedfishErrors.mentions(r.body(), "BootSourceOverrideMode")) {
      // Some BMCs refuse any write of the mode, even of its current value; it is unchanged anyway.
      log.info(
          "redfish: {} refused BootSourceOverrideMode {}; sending the override without it",
          c.where(),
          mode.get());
      override.remove("BootSourceOverrideMode");
      r = patchBoot(c, path, override, c.get(path));
    }
    finish(target, c, "PATCH", path, r);
    log.info(
        "redfish: host {} boots once from {}{}",
        target.hostId(),
        bootTarget,
        override.has("BootSourceOverrideMode")
            ? " (" + override.get("BootSourceOverrideMode").asText() + ")"
            : "");
  }

  /** PATCH of {@code Boot} with the ETag when known; on 412 or 428, once more with a fresh one. */
  private static RedfishResponse patchBoot(
      RedfishClient c, String path, ObjectNode boot, RedfishResponse current) {
    ObjectNode body = RedfishClient.JSON.createObjectNode();
    body.set("Boot", boot);
    RedfishResponse r = c.patch(path, body, current.etag());
    if (r.status() == 412 || r.status() == 428) {
      RedfishResponse fresh = c.get(path);
      Optional<String> etag = fresh.etag();
      if (r.status() == 412 && etag.isPresent() && etag.equals(current.etag())) {
        // Unchanged, yet refused: a weak ETag where the BMC compares strongly (send its strong
        // form), or an ETag header that differs from what the BMC checks (try its @odata.etag).
        String tag = etag.get();
        etag =
            tag.startsWith("W/")
                ? Optional.of(tag.substring(2))
                : RedfishResponse.text(fresh.body(), "@odata.etag").filter(e -> !e.equals(tag));
      }
      if (etag.isPresent()) {
        log.info(
            "redfish: {} answered {} to PATCH {}; retrying with ETag {}",
            c.where(),
            r.status(),
            path,
            etag.get());
        r = c.patch(path, body, etag);
      }
    }
    return r;
  }

  // ---- answers and tasks ----

  /** Accepts 2xx; for 202 with a task monitor, waits for the task to end. */
  private void finish(
      PowerTarget target, RedfishClient c, String method, String path, RedfishResponse r) {
    if (!r.ok()) {
      throw new UpstreamException(
          "host '" + target.hostId() + "': " + c.failure(method, path, r).getMessage());
    }
    if (r.status() != 202) {
      return;
    }
    Optional<String> monitor =
        r.header("Location").or(() -> RedfishResponse.text(r.body(), "TaskMonitor"));
    if (monitor.isEmpty()) {
      log.info("redfish: {} accepted {} {} without a task monitor", c.where(), method, path);
      return;
    }
    awaitTask(target, c, method + " " + path, monitor.get());
  }

  private void awaitTask(PowerTarget target, RedfishClient c, String what, String monitor) {
    long deadline = System.nanoTime() + taskTimeout.toNanos();
    long pause = 100;
    while (true) {
      RedfishResponse m = c.get(monitor);
      if (m.status() == 404 || m.status() == 410) {
        // The monitor is gone: the task ended and its record was dropped, as the standard allows.
        return;
      }
      if (m.status() != 202) {
        if (!m.ok()) {
          throw new UpstreamException(
              "host '"
                  + target.hostId()
                  + "': "
                  + c.where()
                  + ": "
                  + what
                  + " failed (task monitor "
                  + monitor
                  + "): "
                  + c.failure("GET", monitor, m).getMessage());
        }
        String state = m.body().path("TaskState").asText("");
        if (List.of("Exception", "Killed", "Cancelled", "Interrupted").contains(state)) {
          throw new UpstreamException(
              "host '"
                  + target.hostId()
                  + "': "
                  + c.where()
                  + ": "
                  + what
                  + " ended as "
                  + state
                  + ": "
                  + RedfishErrors.describe(m.body(), ""));
        }
        if (state.isEmpty() || List.of("Completed").contains(state)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new UpstreamException(
            "host '"
                + target.hostId()
                + "': "
                + c.where()
                + ": "
                + what
                + " did not finish within "
                + taskTimeout.toSeconds()
                + " s (task monitor "
                + monitor
                + ")");
      }
      String retryAfter = m.header("Retry-After").orElse("");
      long wait =
          retryAfter.matches("[0-9]{1,3}")
              ? Math.min(Integer.parseInt(retryAfter) * 1000L, 5000)
              : pause;
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UpstreamException(c.where() + ": interrupted waiting for " + monitor, e);
      }
      pause = Math.min(pause * 2, 1000);
    }
  }

  // ---- finding the system ----

  private RedfishResponse system(PowerTarget target, RedfishClient c) {
    Optional<String> named = target.optional("redfish_system").filter(s -> !s.isEmpty());
    String systemsPath =
        RedfishResponse.text(c.root().path("Systems"), "@odata.id")
            .orElseThrow(
                () ->
                    new UpstreamException(
                        c.where() + ": the service root links no Systems collection"));
    if (named.isPresent()) {
      String id = named.get();
      String path = id.startsWith("/") ? id : trimSlash(systemsPath) + "/" + id;
      RedfishResponse r = c.get(path);
      if (r.status() == 404) {
        throw new NotFoundException(
            "Redfish system '" + id + "' (parameter 'redfish_system') of host", target.hostId());
      }
      if (!r.ok()) {
        throw c.failure("GET", path, r);
      }
      return r;
    }
    String key = c.where() + " " + target.hostId();
    String cached = systems.get(key);
    if (cached != null) {
      RedfishResponse r = c.get(cached);
      if (r.ok() && sameUuid(target.hostId(), r.body().path("UUID").asText())) {
        return r;
      }
      systems.remove(key);
    }
    List<String> seen = new ArrayList<>();
    for (JsonNode member : c.getOk(systemsPath).body().path("Members")) {
      String path = member.path("@odata.id").asText();
      RedfishResponse r = c.getOk(path);
      String uuid = r.body().path("UUID").asText();
      if (sameUuid(target.hostId(), uuid)) {
        systems.put(key, path);
        return r;
      }
      seen.add(path + " (" + (uuid.isEmpty() ? "no UUID" : uuid) + ")");
    }
    throw new NotFoundException(
        "Redfish system with UUID '"
            + target.hostId()
            + "' at "
            + c.where()
            + " (it has "
            + seen
            + "; set 'redfish_system' to name one) for host",
        target.hostId());
  }

  /** Equal UUIDs, also when the BMC reports the first three fields byte-swapped (SMBIOS order). */
  static boolean sameUuid(String hostId, String reported) {
    String a = hostId.toLowerCase(Locale.ROOT);
    String b = reported.toLowerCase(Locale.ROOT);
    if (a.equals(b)) {
      return true;
    }
    return b.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        && a.equals(swapped(b));
  }

  private static String swapped(String u) {
    return bytesReversed(u.substring(0, 8))
        + "-"
        + bytesReversed(u.substring(9, 13))
        + "-"
        + bytesReversed(u.substring(14, 18))
        + u.substring(18);
  }

  private static String bytesReversed(String hex) {
    StringBuilder b = new StringBuilder();
    for (int i = hex.length() - 2; i >= 0; i -= 2) {
      b.append(hex, i, i + 2);
    }
    return b.toString();
  }

  private static String systemPath(RedfishResponse system) {
    return RedfishResponse.text(system.body(), "@odata.id")
        .orElseThrow(() -> new UpstreamException("a Redfish system without @odata.id"));
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  // ---- parameters and connections ----

  private static String choice(
      PowerTarget target, String key, List<String> values, String defaultValue) {
    String v = target.optional(key).filter(s -> !s.isEmpty()).orElse(defaultValue);
    for (String allowed : values) {
      if (allowed.equalsIgnoreCase(v)) {
        return allowed;
      }
    }
    throw new BadInputException(
        "host '"
            + target.hostId()
            + "': parameter '"
            + key
            + "' must be one of "
            + values
            + ", found '"
            + v
            + "'");
  }

  private RedfishClient client(PowerTarget target) {
    String host = target.required("redfish_host");
    int port = target.integer("redfish_port", 443);
    String user = target.required("redfish_user");
    String password = target.required("redfish_password");
    String auth = choice(target, "redfish_auth", List.of("session", "basic"), "session");
    Optional<Path> ca =
        target
            .optional("redfish_ca_file")
            .filter(s -> !s.isEmpty())
            .map(Path::of)
            .or(defaultTrust::caFile);
    boolean insecure =
        target
            .optional("redfish_insecure")
            .filter(s -> !s.isEmpty())
            .map(v -> flag("host '" + target.hostId() + "': parameter 'redfish_insecure'", v))
            .orElse(defaultTrust.insecure());
    TlsTrust trust = new TlsTrust(ca, insecure);
    URI base;
    try {
      base = new URI("https", null, host, port, "/", null, null);
    } catch (URISyntaxException e) {
      throw new BadInputException(
          "host '"
              + target.hostId()
              + "': parameter 'redfish_host' is not a host name or"
              + " address: '"
              + host
              + "'");
    }
    BmcKey key = new BmcKey("https", host, port, user, password, auth.equals("session"), trust);
    return clients.computeIfAbsent(
        key, k -> new RedfishClient(http(trust), base, user, password, k.sessions(), timeout));
  }

  private HttpClient http(TlsTrust trust) {
    return https.computeIfAbsent(
        trust,
        t ->
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .sslContext(t.sslContext())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
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

  /** Logs out of every BMC. */
  @Override
  public void close() {
    for (Map.Entry<BmcKey, RedfishClient> e : clients.entrySet()) {
      e.getValue().close();
    }
    clients.clear();
  }
}
