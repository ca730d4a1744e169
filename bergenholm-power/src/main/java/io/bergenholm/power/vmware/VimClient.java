package io.bergenholm.power.vmware;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.stream.XMLStreamException;

/**
 * One vSphere SOAP session, spoken with the JDK's HttpClient: the API calls the power driver needs,
 * and nothing else. Not thread-safe; one per call of the driver.
 *
 * <p>Requests name API version 6.5 in {@code SOAPAction}: every call used here exists since vSphere
 * 5, and every later vCenter answers 6.5 clients.
 */
final class VimClient {
  static final String API_VERSION = "6.5";
  private static final String ENVELOPE_START =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
          + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
          + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
          + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
  private static final String ENVELOPE_END = "</soapenv:Body></soapenv:Envelope>";
  private static final int MAX_ANSWER_BYTES = 32 << 20;

  /** The handful of managers the driver uses, from RetrieveServiceContent. */
  record ServiceContent(
      MoRef propertyCollector,
      MoRef searchIndex,
      MoRef sessionManager,
      MoRef viewManager,
      MoRef rootFolder,
      String apiVersion) {}

  /**
   * A transport failure: the server could not be reached, or answered something that is not SOAP.
   */
  static final class TransportException extends Exception {
    TransportException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final HttpClient http;
  private final URI endpoint;
  private final Duration timeout;
  private Optional<String> cookie = Optional.empty();
  private ServiceContent content;

  VimClient(HttpClient http, URI endpoint, Duration timeout) {
    this.http = http;
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  ServiceContent serviceContent() throws VimFault, TransportException {
    if (content == null) {
      XmlTree r =
          invoke(
              "RetrieveServiceContent", "<_this type=\"ServiceInstance\">ServiceInstance</_this>");
      content =
          new ServiceContent(
              ref(r, "propertyCollector"),
              ref(r, "searchIndex"),
              ref(r, "sessionManager"),
              ref(r, "viewManager"),
              ref(r, "rootFolder"),
              r.path("about", "apiVersion").map(XmlTree::text).orElse(""));
    }
    return content;
  }

  private static MoRef ref(XmlTree returnval, String name) throws TransportException {
    return returnval
        .child(name)
        .map(MoRef::of)
        .orElseThrow(
            () ->
                new TransportException(
                    "the service content has no "
                        + name
                        + "; is this a vCenter or ESXi SDK endpoint?",
                    null));
  }

  void login(String user, String password) throws VimFault, TransportException {
    invoke(
        "Login",
        serviceContent().sessionManager().xml("_this")
            + "<userName>"
            + XmlTree.escape(user)
            + "</userName>"
            + "<password>"
            + XmlTree.escape(password)
            + "</password>");
  }

  void logout() throws VimFault, TransportException {
    invoke("Logout", serviceContent().sessionManager().xml("_this"));
  }

  /** The virtual machine whose BIOS UUID is {@code uuid}, if any. */
  Optional<MoRef> findVmByBiosUuid(String uuid) throws VimFault, TransportException {
    XmlTree r =
        invoke(
            "FindByUuid",
            serviceContent().searchIndex().xml("_this")
                + "<uuid>"
                + XmlTree.escape(uuid)
                + "</uuid><vmSearch>true</vmSearch>"
                + "<instanceUuid>false</instanceUuid>");
    return r.text().isEmpty() && r.children().isEmpty()
        ? Optional.empty()
        : Optional.of(MoRef.of(r));
  }

  /** Properties of one object, by path; absent properties (unset in vSphere) are left out. */
  Map<String, XmlTree> properties(MoRef obj, List<String> paths)
      throws VimFault, TransportException {
    StringBuilder b = new StringBuilder(serviceContent().propertyCollector().xml("_this"));
    b.append("<specSet><propSet><type>").append(XmlTree.escape(obj.type())).append("</type>");
    for (String p : paths) {
      b.append("<pathSet>").append(XmlTree.escape(p)).append("</pathSet>");
    }
    b.append("</propSet><objectSet>")
        .append(obj.xml("obj"))
        .append("<skip>false</skip></objectSet></specSet><options/>");
    XmlTree r = invoke("RetrievePropertiesEx", b.toString());
    Map<String, XmlTree> values = new LinkedHashMap<>();
    for (XmlTree objects : r.all("objects")) {
      for (XmlTree prop : objects.all("propSet")) {
        prop.text("name").ifPresent(n -> prop.child("val").ifPresent(v -> values.put(n, v)));
      }
    }
    return values;
  }

  /**
   * Calls {@code method} with {@code body} (the parameters, already XML) and answers the {@code
   * returnval} element, or an empty element when the method returns nothing.
   */
  XmlTree invoke(String method, String body) throws VimFault, TransportException {
    String envelope =
        ENVELOPE_START
            + "<"
            + method
            + " xmlns=\"urn:vim25\">"
            + body
            + "</"
            + method
            + ">"
            + ENVELOPE_END;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "\"urn:vim25/" + API_VERSION + "\"")
            .POST(HttpRequest.BodyPublishers.ofString(envelope, StandardCharsets.UTF_8));
    cookie.ifPresent(c -> request.header("Cookie", c));
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new TransportException(describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while waiting for " + method, e);
    }
    for (String setCookie : response.headers().allValues("Set-Cookie")) {
      if (setCookie.startsWith("vmware_soap_session=")) {
        int end = setCookie.indexOf(';');
        cookie = Optional.of(end < 0 ? setCookie : setCookie.substring(0, end));
      }
    }
    if (response.body().length > MAX_ANSWER_BYTES) {
      throw new TransportException(
          method + ": answer larger than " + MAX_ANSWER_BYTES + " bytes", null);
    }
    XmlTree doc;
    try {
      doc = XmlTree.parse(response.body());
    } catch (XMLStreamException e) {
      throw new TransportException(
          method
              + ": HTTP "
              + response.statusCode()
              + " with an answer that is not XML (is this the SDK endpoint?)",
          e);
    }
    Optional<XmlTree> fault = doc.path("Body", "Fault");
    if (fault.isPresent()) {
      throw fault(fault.get());
    }
    if (response.statusCode() != 200) {
      throw new TransportException(method + ": HTTP " + response.statusCode(), null);
    }
    Optional<XmlTree> answer = doc.path("Body", method + "Response");
    if (answer.isEmpty()) {
      throw new TransportException(method + ": the answer has no " + method + "Response", null);
    }
    return answer
        .get()
        .child("returnval")
        .orElse(new XmlTree("returnval", "", Map.of(), "", List.of()));
  }

  private static VimFault fault(XmlTree fault) {
    String message = fault.text("faultstring").orElse("");
    String type =
        fault
            .child("detail")
            .flatMap(d -> d.children().stream().findFirst())
            .map(d -> d.type().isEmpty() ? d.name().replaceFirst("Fault$", "") : d.type())
            .orElse("");
    return new VimFault(type, message.isEmpty() ? "fault without a message" : message);
  }

  /** A fault held in a task's info.error (a LocalizedMethodFault). */
  static VimFault fault(XmlTree localizedMethodFault, String task) {
    String type = localizedMethodFault.child("fault").map(XmlTree::type).orElse("");
    String message =
        localizedMethodFault
            .text("localizedMessage")
            .filter(s -> !s.isEmpty())
            .orElse("task " + task + " failed");
    return new VimFault(type, message);
  }

  private static String describe(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLHandshakeException) {
        return "TLS handshake failed ("
            + t.getMessage()
            + "); give the vCenter's CA certificate as "
            + "'vmware_ca_file', or set 'vmware_insecure' for a lab";
      }
    }
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return m == null || m.isEmpty() ? kind : kind + ": " + m;
  }
}
