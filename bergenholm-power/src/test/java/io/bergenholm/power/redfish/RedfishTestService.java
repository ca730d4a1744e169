package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;

/**
 * A Redfish service for tests, after the DMTF schema (service root, Systems, SessionService and
 * Sessions, ComputerSystem.Reset with its allowable values or an ActionInfo, ETags with If-Match
 * enforced, task monitors, error bodies with {@code @Message.ExtendedInfo}), over HTTPS, whose
 * systems are the domains of a libvirt {@code test:///} node, as sushy-tools serves libvirt
 * domains. It stands in for a BMC, which cannot run here; the same service is also driven by the
 * real Redfish clients {@code redfishtool} and {@code sushy}, so it is checked against them and not
 * shaped after the driver.
 *
 * <p>A one-time boot override is kept as a BMC keeps it and applied at the next start: the domain's
 * persistent definition then boots from the network, and the start after that restores it.
 *
 * <p>Vendor behaviours can be switched on to test the driver's handling of them (the public
 * fields).
 */
final class RedfishTestService implements AutoCloseable {
  static final String USER = "admin";
  static final String PASSWORD = "redfish-secret";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(RedfishTestService.class);
  private static final String V1 = "/redfish/v1";
  private static final List<String> TARGETS =
      List.of("None", "Pxe", "Hdd", "Cd", "BiosSetup", "UefiHttp", "UefiShell");

  /** PATCH of a system without If-Match answers 428 (as some Lenovo and HPE BMCs do). */
  volatile boolean requireIfMatch = true;

  /**
   * Any PATCH that names BootSourceOverrideMode answers 400 PropertyNotWritable (as on some HPE
   * BMCs).
   */
  volatile boolean modeReadOnly;

  /** New sessions come without a Location header. */
  volatile boolean sessionWithoutLocation;

  /** The Reset action names a ResetActionInfo instead of listing its allowable values. */
  volatile boolean resetTypesInActionInfo;

  /** Resets answer 202 with a task monitor that runs for two polls. */
  volatile boolean resetAsTask;

  /** The reset task never ends (its monitor answers 202 for ever). */
  volatile boolean resetTaskHangs;

  /** The reset task ends in Exception with a message. */
  volatile boolean resetTaskFails;

  /** ETags are sent weak ({@code W/"..."}) but If-Match is compared strongly, as on some BMCs. */
  volatile boolean weakEtags;

  /** Location headers name the BMC by another address, as behind address translation. */
  volatile boolean foreignLocations;

  /** The next PATCH answers 412, as if another client had changed the system in between. */
  volatile boolean changeBeforeNextPatch;

  /** The ResetType values the BMC offers. */
  volatile List<String> resetTypes =
      List.of(
          "On",
          "ForceOff",
          "GracefulShutdown",
          "GracefulRestart",
          "ForceRestart",
          "PowerCycle",
          "Nmi");

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Connect libvirt;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Task> tasks = new ConcurrentHashMap<>();
  private final Map<String, ObjectNode> boot = new ConcurrentHashMap<>();
  private final Map<String, String> originalXml = new ConcurrentHashMap<>();
  private final Map<String, Integer> assetTags = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  /**
   * Every request, as {@code METHOD path [If-Match]}, for assertions on what went over the wire.
   */
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** Every ResetType performed, per system id. */
  final List<String> resets = new CopyOnWriteArrayList<>();

  /** The boot source each start used, per system id, in order. */
  final Map<String, List<String>> starts = new ConcurrentHashMap<>();

  private record Session(String id, String token, String user) {}

  private static final class Task {
    final String id;
    int pollsLeft = 2;
    String state = "Running";
    final List<ObjectNode> messages = new ArrayList<>();

    Task(String id) {
      this.id = id;
    }
  }

  RedfishTestService(String libvirtUrl, SSLContext tls) throws IOException, LibvirtException {
    this.libvirt = new Connect(libvirtUrl);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Forgets every session, as a BMC does when they time out or it restarts. */
  void expireSessions() {
    sessions.clear();
  }

  int sessionCount() {
    return sessions.size();
  }

  /** The persistent definition of a domain, to see its boot order. */
  synchronized String domainXml(String name) throws LibvirtException {
    return libvirt.domainLookupByName(name).getXMLDesc(2);
  }

  synchronized boolean running(String name) throws LibvirtException {
    return libvirt.domainLookupByName(name).getInfo().state
        == DomainInfo.DomainState.VIR_DOMAIN_RUNNING;
  }

  // ---- dispatch ----

  private void handle(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String path = x.getRequestURI().getPath();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String ifMatch = x.getRequestHeaders().getFirst("If-Match");
    requests.add(method + " " + path + (ifMatch == null ? "" : " If-Match " + ifMatch));
    Reply reply;
    try {
      byte[] body = x.getRequestBody().readAllBytes();
      synchronized (this) {
        reply = route(x, method, path, body);
      }
    } catch (LibvirtException e) {
      reply = error(500, "Base.1.8.InternalError", "libvirt: " + e.getMessage());
    } catch (RuntimeException | Error e) {
      log.warn("{} {} failed", method, path, e);
      reply = error(500, "Base.1.8.InternalError", e.toString());
    }
    try {
      send(x, reply);
    } catch (IOException | RuntimeException e) {
      log.warn("{} {}: answering failed", method, path, e);
      throw e;
    }
  }

  private record Reply(int status, JsonNode body, Map<String, String> headers) {
    Reply with(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, body, h);
    }
  }

  private static Reply ok(JsonNode body) {
    return new Reply(200, body, Map.of());
  }

  private Reply route(HttpExchange x, String method, String path, byte[] body)
      throws LibvirtException {
    // Open to anyone, as the standard says: the version document, the service root, session login.
    if (method.equals("GET") && path.equals("/redfish")) {
      return ok(JSON.createObjectNode().put("v1", V1 + "/"));
    }
    if (method.equals("GET") && path.equals(V1)) {
      return ok(serviceRoot());
    }
    if (method.equals("POST") && path.equals(V1 + "/SessionService/Sessions")) {
      return login(body);
    }
    if (!authenticated(x)) {
      return error(
              401,
              "Base.1.8.NoValidSession",
              "There is no valid session established with the implementation.")
          .with("WWW-Authenticate", "Basic realm=\"Redfish\"");
    }
    List<String> seg = List.of(path.substring(1).split("/"));
    if (method.equals("GET") && path.equals(V1 + "/SessionService")) {
      return ok(
          resource("/SessionService", "#SessionService.v1_1_8.SessionService", "SessionService")
              .put("ServiceEnabled", true)
              .put("SessionTimeout", 1800)
              .set("Sessions", link(V1 + "/SessionService/Sessions")));
    }
    if (method.equals("GET") && path.equals(V1 + "/SessionService/Sessions")) {
      List<String> members =
          sessions.values().stream().map(s -> V1 + "/SessionService/Sessions/" + s.id()).toList();
      return ok(
          collection("/SessionService/Sessions", "#SessionCollection.SessionCollection", members));
    }
    if (seg.size() == 5 && path.startsWith(V1 + "/SessionService/Sessions/")) {
      Session s =
          sessions.values().stream()
              .filter(v -> v.id().equals(seg.get(4)))
              .findFirst()
              .orElse(null);
      if (s == null) {
        return notFound(path);
      }
      if (method.equals("DELETE")) {
        sessions.remove(s.token());
        return new Reply(204, null, Map.of());
      }
      if (method.equals("GET")) {
        return ok(session(s));
      }
      return notAllowed(method, path);
    }
    if (method.equals("GET") && path.equals(V1 + "/Systems")) {
      List<String> members = new ArrayList<>();
      for (String name : domainNames()) {
        members.add(V1 + "/Systems/" + name);
      }
      return ok(
          collection("/Systems", "#ComputerSystemCollection.ComputerSystemCollection", members));
    }
    if (seg.size() >= 4 && path.startsWith(V1 + "/Systems/")) {
      String name = seg.get(3);
      if (!domainNames().contains(name)) {
        return notFound(path);
      }
      Domain d = libvirt.domainLookupByName(name);
      if (seg.size() == 4) {
        return switch (method) {
          case "GET" -> withEtag(system(name, d));
          case "PATCH" -> patchSystem(x, name, d, body);
          default -> notAllowed(method, path);
        };
      }
      if (seg.size() == 6
          && seg.get(4).equals("Actions")
          && seg.get(5).equals("ComputerSystem.Reset")) {
        return method.equals("POST") ? reset(name, d, body) : notAllowed(method, path);
      }
      if (seg.size() == 5 && seg.get(4).equals("ResetActionInfo") && method.equals("GET")) {
        return ok(resetActionInfo(name));
      }
      return notFound(path);
    }
    if (method.equals("GET")
        && seg.size() == 5
        && path.startsWith(V1 + "/TaskService/TaskMonitors/")) {
      return pollTask(seg.get(4));
    }
    if (method.equals("GET") && seg.size() == 5 && path.startsWith(V1 + "/TaskService/Tasks/")) {
      Task t = tasks.get(seg.get(4));
      return t == null ? notFound(path) : ok(task(t));
    }
    return notFound(path);
  }

  // ---- sessions ----

  private boolean authenticated(HttpExchange x) {
    String token = x.getRequestHeaders().getFirst("X-Auth-Token");
    if (token != null) {
      return sessions.containsKey(token);
    }
    String auth = x.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Basic ")) {
      String decoded =
          new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
      return decoded.equals(USER + ":" + PASSWORD);
    }
    return false;
  }

  private Reply login(byte[] body) {
    JsonNode req = parse(body);
    if (req == null || !req.path("UserName").isTextual() || !req.path("Password").isTextual()) {
      return error(
          400,
          "Base.1.8.PropertyMissing",
          "The property UserName or Password is a required property and"
              + " must be included in the request.");
    }
    if (!req.path("UserName").asText().equals(USER)
        || !req.path("Password").asText().equals(PASSWORD)) {
      return error(
          401,
          "Base.1.8.ResourceAtUriUnauthorized",
          "While accessing the resource at"
              + " /redfish/v1/SessionService/Sessions, the service received an authorization error: invalid credentials.");
    }
    Session s =
        new Session(String.valueOf(ids.incrementAndGet()), UUID.randomUUID().toString(), USER);
    sessions.put(s.token(), s);
    Reply r = new Reply(201, session(s), Map.of()).with("X-Auth-Token", s.token());
    return sessionWithoutLocation
        ? r
        : r.with("Location", location("/SessionService/Sessions/" + s.id()));
  }

  private ObjectNode session(Session s) {
    return resource("/SessionService/Sessions/" + s.id(), "#Session.v1_3_0.Session", s.id())
        .put("UserName", s.user());
  }

  // ---- systems ----

  private List<String> domainNames() throws LibvirtException {
    List<String> names = new ArrayList<>(List.of(libvirt.listDefinedDomains()));
    for (int id : libvirt.listDomains()) {
      names.add(libvirt.domainLookupByID(id).getName());
    }
    names.sort(null);
    return names;
  }

  private ObjectNode bootOf(String name) {
    return boot.computeIfAbsent(
        name,
        n ->
            JSON.createObjectNode()
                .put("BootSourceOverrideEnabled", "Disabled")
                .put("BootSourceOverrideTarget", "None")
                .put("BootSourceOverrideMode", "UEFI"));
  }

  private ObjectNode system(String name, Domain d) throws LibvirtException {
    ObjectNode s = resource("/Systems/" + name, "#ComputerSystem.v1_13_0.ComputerSystem", name);
    s.put("UUID", d.getUUIDString());
    s.put("SystemType", "Virtual");
    s.put("AssetTag", "revision-" + assetTags.getOrDefault(name, 0));
    s.put(
        "PowerState",
        d.getInfo().state == DomainInfo.DomainState.VIR_DOMAIN_RUNNING ? "On" : "Off");
    ObjectNode b = bootOf(name).deepCopy();
    ArrayNode targets = b.putArray("BootSourceOverrideTarget@Redfish.AllowableValues");
    TARGETS.forEach(targets::add);
    ArrayNode modes = b.putArray("BootSourceOverrideMode@Redfish.AllowableValues");
    modes.add("Legacy").add("UEFI");
    s.set("Boot", b);
    ObjectNode reset =
        JSON.createObjectNode()
            .put("target", V1 + "/Systems/" + name + "/Actions/ComputerSystem.Reset");
    if (resetTypesInActionInfo) {
      reset.put("@Redfish.ActionInfo", V1 + "/Systems/" + name + "/ResetActionInfo");
    } else {
      ArrayNode allowed = reset.putArray("ResetType@Redfish.AllowableValues");
      resetTypes.forEach(allowed::add);
    }
    s.putObject("Actions").set("#ComputerSystem.Reset", reset);
    return s;
  }

  private ObjectNode resetActionInfo(String name) {
    ObjectNode info =
        resource(
            "/Systems/" + name + "/ResetActionInfo",
            "#ActionInfo.v1_1_2.ActionInfo",
            "ResetActionInfo");
    ObjectNode p =
        info.putArray("Parameters")
            .addObject()
            .put("Name", "ResetType")
            .put("Required", true)
            .put("DataType", "String");
    ArrayNode allowed = p.putArray("AllowableValues");
    resetTypes.forEach(allowed::add);
    return info;
  }

  private static String etag(JsonNode system) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(system.toString().getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 8) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Reply withEtag(ObjectNode system) {
    String tag = etag(system);
    String sent = weakEtags ? "W/" + tag : tag;
    system.put("@odata.etag", sent);
    return ok(system).with("ETag", sent);
  }

  private Reply patchSystem(HttpExchange x, String name, Domain d, byte[] body)
      throws LibvirtException {
    String ifMatch = x.getRequestHeaders().getFirst("If-Match");
    String current = etag(system(name, d));
    if (ifMatch == null && requireIfMatch) {
      return error(
          428,
          "Base.1.8.PreconditionRequired",
          "A precondition header or annotation is required to change"
              + " the resource at /redfish/v1/Systems/"
              + name
              + ".");
    }
    if (changeBeforeNextPatch) {
      changeBeforeNextPatch = false;
      assetTags.merge(name, 1, Integer::sum);
      current = etag(system(name, d));
    }
    if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(current)) {
      return error(
          412,
          "Base.1.8.PreconditionFailed",
          "The ETag supplied did not match the ETag required to change" + " this resource.");
    }
    JsonNode req = parse(body);
    if (req == null || !req.isObject()) {
      return error(
          400,
          "Base.1.8.MalformedJSON",
          "The request body submitted was malformed JSON and could not be"
              + " parsed by the receiving service.");
    }
    List<ObjectNode> problems = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : req.properties()) {
      if (!e.getKey().equals("Boot")) {
        problems.add(
            message(
                "Base.1.8.PropertyNotWritable",
                "The property "
                    + e.getKey()
                    + " is a read only property"
                    + " and cannot be assigned a value.",
                e.getKey()));
      }
    }
    JsonNode b = req.path("Boot");
    Map<String, List<String>> allowed =
        Map.of(
            "BootSourceOverrideEnabled", List.of("Disabled", "Once", "Continuous"),
            "BootSourceOverrideTarget", TARGETS,
            "BootSourceOverrideMode", List.of("UEFI", "Legacy"));
    for (Map.Entry<String, JsonNode> e : b.properties()) {
      String k = e.getKey();
      String v = e.getValue().asText();
      if (!allowed.containsKey(k)) {
        problems.add(
            message(
                "Base.1.8.PropertyUnknown",
                "The property "
                    + k
                    + " is not in the list of valid"
                    + " properties for the resource.",
                k));
      } else if (k.equals("BootSourceOverrideMode") && modeReadOnly) {
        problems.add(
            message(
                "Base.1.8.PropertyNotWritable",
                "The property BootSourceOverrideMode is a read only"
                    + " property and cannot be assigned a value.",
                k));
      } else if (!e.getValue().isTextual() || !allowed.get(k).contains(v)) {
        problems.add(
            message(
                "Base.1.8.PropertyValueNotInList",
                "The value "
                    + e.getValue()
                    + " for the property "
                    + k
                    + " is not in the list of acceptable values.",
                e.getValue().toString(),
                k));
      }
    }
    if (!problems.isEmpty()) {
      return errorWith(400, problems);
    }
    ObjectNode stored = bootOf(name);
    b.properties().forEach(e -> stored.put(e.getKey(), e.getValue().asText()));
    return new Reply(204, null, Map.of());
  }

  private Reply reset(String name, Domain d, byte[] body) throws LibvirtException {
    JsonNode req = parse(body);
    String type = req == null ? "" : req.path("ResetType").asText();
    if (!resetTypes.contains(type)) {
      return errorWith(
          400,
          List.of(
              message(
                  "Base.1.8.ActionParameterValueNotInList",
                  "The value "
                      + type
                      + " for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.",
                  type,
                  "ResetType",
                  "ComputerSystem.Reset")));
    }
    boolean on = d.getInfo().state == DomainInfo.DomainState.VIR_DOMAIN_RUNNING;
    switch (type) {
      case "On", "ForceOn" -> {
        if (on) {
          return errorWith(
              409,
              List.of(
                  message(
                      "Base.1.8.ActionNotSupported",
                      "The action ComputerSystem.Reset On"
                          + " is not supported: the system is already on.",
                      "ComputerSystem.Reset")));
        }
        start(name, d);
      }
      case "ForceOff", "GracefulShutdown" -> {
        if (on) {
          d.destroy();
        }
      }
      case "ForceRestart", "GracefulRestart" -> {
        if (!on) {
          return errorWith(
              409,
              List.of(
                  message(
                      "Base.1.8.ActionNotSupported",
                      "The action ComputerSystem.Reset "
                          + type
                          + " is not supported: the system is off.",
                      "ComputerSystem.Reset")));
        }
        d.destroy();
        start(name, d);
      }
      case "PowerCycle" -> {
        if (on) {
          d.destroy();
        }
        start(name, d);
      }
      default -> {
        // Nmi, PushPowerButton: nothing a test domain does
      }
    }
    resets.add(name + " " + type);
    if (resetAsTask) {
      Task t = new Task(String.valueOf(ids.incrementAndGet()));
      if (resetTaskFails) {
        t.messages.add(
            message(
                "Base.1.8.InternalError",
                "The request failed due to an internal service error."
                    + " The service is still operational."));
      }
      if (resetTaskHangs) {
        t.pollsLeft = Integer.MAX_VALUE;
      }
      tasks.put(t.id, t);
      return new Reply(202, task(t), Map.of())
          .with("Location", location("/TaskService/TaskMonitors/" + t.id));
    }
    return new Reply(204, null, Map.of());
  }

  /** Starts a domain, applying and consuming a one-time override as a BMC does at power on. */
  private void start(String name, Domain d) throws LibvirtException {
    ObjectNode b = bootOf(name);
    String enabled = b.path("BootSourceOverrideEnabled").asText();
    String target = b.path("BootSourceOverrideTarget").asText();
    String xml = d.getXMLDesc(2);
    String source;
    if (!enabled.equals("Disabled") && (target.equals("Pxe") || target.equals("UefiHttp"))) {
      originalXml.putIfAbsent(name, xml);
      String os = xml.replaceAll("<boot dev='[a-z]+'/>\\s*", "");
      libvirt.domainDefineXML(os.replace("</type>", "</type><boot dev='network'/>"));
      source = target;
    } else {
      String original = originalXml.remove(name);
      if (original != null) {
        libvirt.domainDefineXML(original);
      }
      source = "Hdd";
    }
    if (enabled.equals("Once")) {
      b.put("BootSourceOverrideEnabled", "Disabled");
    }
    libvirt.domainLookupByName(name).create();
    starts.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(source);
  }

  private String location(String path) {
    return foreignLocations ? "https://10.10.10.10:8443" + V1 + path : V1 + path;
  }

  // ---- tasks ----

  private ObjectNode task(Task t) {
    ObjectNode n =
        resource("/TaskService/Tasks/" + t.id, "#Task.v1_4_3.Task", t.id)
            .put("TaskState", t.state)
            .put("TaskStatus", t.state.equals("Exception") ? "Critical" : "OK")
            .put("TaskMonitor", V1 + "/TaskService/TaskMonitors/" + t.id);
    ArrayNode messages = n.putArray("Messages");
    if (!t.state.equals("Running")) {
      t.messages.forEach(messages::add);
    }
    return n;
  }

  private Reply pollTask(String id) {
    Task t = tasks.get(id);
    if (t == null) {
      return notFound(V1 + "/TaskService/TaskMonitors/" + id);
    }
    if (t.pollsLeft-- > 0) {
      return new Reply(202, task(t), Map.of())
          .with("Location", V1 + "/TaskService/TaskMonitors/" + id)
          .with("Retry-After", "0");
    }
    t.state = t.messages.isEmpty() ? "Completed" : "Exception";
    return ok(task(t));
  }

  // ---- documents ----

  private ObjectNode serviceRoot() {
    ObjectNode r =
        resource("", "#ServiceRoot.v1_5_0.ServiceRoot", "RootService")
            .put("RedfishVersion", "1.6.0")
            .put("UUID", "92384634-2938-2342-8820-489239905423");
    r.set("Systems", link(V1 + "/Systems"));
    r.set("SessionService", link(V1 + "/SessionService"));
    r.putObject("Links").set("Sessions", link(V1 + "/SessionService/Sessions"));
    return r;
  }

  private static ObjectNode resource(String path, String type, String id) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@odata.id", V1 + path);
    n.put("@odata.type", type);
    n.put("Id", id);
    n.put("Name", id);
    return n;
  }

  private static ObjectNode collection(String path, String type, List<String> members) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@odata.id", V1 + path);
    n.put("@odata.type", type);
    n.put("Name", path.substring(1));
    n.put("Members@odata.count", members.size());
    ArrayNode m = n.putArray("Members");
    members.forEach(p -> m.add(link(p)));
    return n;
  }

  private static ObjectNode link(String path) {
    return JSON.createObjectNode().put("@odata.id", path);
  }

  private static ObjectNode message(String id, String text, String... args) {
    ObjectNode m = JSON.createObjectNode();
    m.put("@odata.type", "#Message.v1_1_1.Message");
    m.put("MessageId", id);
    m.put("Message", text);
    ArrayNode a = m.putArray("MessageArgs");
    for (String arg : args) {
      a.add(arg);
    }
    m.put("MessageSeverity", "Warning");
    m.put("Severity", "Warning");
    m.put("Resolution", "Correct the request and resubmit it if the operation failed.");
    return m;
  }

  private static Reply error(int status, String id, String text) {
    return errorWith(status, List.of(message(id, text)));
  }

  private static Reply errorWith(int status, List<ObjectNode> messages) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode e = body.putObject("error");
    e.put(
        "code",
        messages.size() == 1
            ? messages.get(0).path("MessageId").asText()
            : "Base.1.8.GeneralError");
    e.put("message", "A general error has occurred. See ExtendedInfo for more information.");
    ArrayNode info = e.putArray("@Message.ExtendedInfo");
    messages.forEach(info::add);
    return new Reply(status, body, Map.of());
  }

  private static Reply notFound(String path) {
    return error(
        404,
        "Base.1.8.ResourceMissingAtURI",
        "The resource at the URI " + path + " was not found.");
  }

  private static Reply notAllowed(String method, String path) {
    return error(
        405,
        "Base.1.8.OperationNotAllowed",
        "The HTTP method " + method + " is not allowed on " + path + ".");
  }

  private static JsonNode parse(byte[] body) {
    try {
      return body.length == 0 ? null : JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static void send(HttpExchange x, Reply r) throws IOException {
    x.getResponseHeaders().set("OData-Version", "4.0");
    // One request per connection: the JDK server and Python clients otherwise race on reusing an
    // idle connection ("Remote end closed connection without response").
    x.getResponseHeaders().set("Connection", "close");
    r.headers().forEach((k, v) -> x.getResponseHeaders().set(k, v));
    if (r.body() == null || Set.of(204).contains(r.status())) {
      x.sendResponseHeaders(r.status(), -1);
    } else {
      byte[] bytes = r.body().toString().getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      x.sendResponseHeaders(r.status(), bytes.length);
      x.getResponseBody().write(bytes);
    }
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      libvirt.close();
    } catch (LibvirtException e) {
      // closing a test:/// connection cannot fail in a way a test cares about
    }
  }
}
