package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bergenholm.api.UpstreamException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated conversation with one Redfish service (one BMC, one user), kept between calls.
 *
 * <p>With session authentication it logs in once (POST to the service's Sessions collection), sends
 * {@code X-Auth-Token} from then on, logs in again once when a call answers 401 (the BMC expired or
 * dropped the session), and deletes its session on {@link #close()}. A BMC that creates a session
 * without a token is spoken to with basic authentication instead. Calls are serialized: BMCs allow
 * few sessions and little concurrency.
 */
final class RedfishClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedfishClient.class);
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ROOT = "/redfish/v1/";

  private final HttpClient http;
  private final URI base;
  private final String user;
  private final String password;
  private final boolean sessions;
  private final Duration timeout;
  private final String where;

  private JsonNode root;
  private String token;
  private Optional<String> sessionUri = Optional.empty();
  private boolean basicFallback;

  RedfishClient(
      HttpClient http, URI base, String user, String password, boolean sessions, Duration timeout) {
    this.http = http;
    this.base = base;
    this.user = user;
    this.password = password;
    this.sessions = sessions;
    this.timeout = timeout;
    this.where = "Redfish service " + base.getHost() + ":" + base.getPort();
  }

  String where() {
    return where;
  }

  /** The service root, read once without credentials (as the standard allows). */
  synchronized JsonNode root() {
    if (root == null) {
      RedfishResponse r = send("GET", ROOT, null, null, false);
      if (!r.ok()) {
        throw failure("GET", ROOT, r);
      }
      root = r.body();
    }
    return root;
  }

  synchronized RedfishResponse get(String path) {
    return call("GET", path, null, null);
  }

  synchronized RedfishResponse post(String path, JsonNode body) {
    return call("POST", path, body, null);
  }

  synchronized RedfishResponse patch(String path, JsonNode body, Optional<String> ifMatch) {
    return call("PATCH", path, body, ifMatch.orElse(null));
  }

  /** Like {@link #get} but fails on any answer other than 2xx, naming the BMC's messages. */
  RedfishResponse getOk(String path) {
    RedfishResponse r = get(path);
    if (!r.ok()) {
      throw failure("GET", path, r);
    }
    return r;
  }

  private RedfishResponse call(String method, String path, JsonNode body, String ifMatch) {
    if (sessions && !basicFallback && token == null) {
      login();
    }
    RedfishResponse r = send(method, path, body, ifMatch, true);
    if (r.status() == 401 && sessions && !basicFallback) {
      log.info("{}: {} {} answered 401; logging in again", where, method, path);
      token = null;
      sessionUri = Optional.empty();
      login();
      r = send(method, path, body, ifMatch, true);
    }
    if (r.status() == 401) {
      throw new UpstreamException(
          where
              + ": authentication failed for user '"
              + user
              + "': "
              + RedfishErrors.describe(r.body(), ""));
    }
    return r;
  }

  private void login() {
    String sessionsPath =
        RedfishResponse.text(root().path("Links").path("Sessions"), "@odata.id")
            .orElse("/redfish/v1/SessionService/Sessions");
    ObjectNode credentials =
        JSON.createObjectNode().put("UserName", user).put("Password", password);
    RedfishResponse r = send("POST", sessionsPath, credentials, null, false);
    if (r.status() == 401 || r.status() == 403) {
      throw new UpstreamException(
          where
              + ": authentication failed for user '"
              + user
              + "': "
              + RedfishErrors.describe(r.body(), ""));
    }
    if (!r.ok()) {
      throw failure("POST", sessionsPath, r);
    }
    Optional<String> t = r.header("X-Auth-Token");
    if (t.isEmpty()) {
      // Seen on some BMCs: a session is made but no token comes back. Basic auth still works.
      log.warn("{}: session created without X-Auth-Token; using basic authentication", where);
      basicFallback = true;
      sessionUri = location(r);
      deleteSession();
      return;
    }
    token = t.get();
    // Some BMCs omit Location on the new session; its @odata.id names it as well.
    sessionUri = location(r);
    if (sessionUri.isEmpty()) {
      log.warn(
          "{}: session created without Location or @odata.id; it cannot be deleted on close",
          where);
    }
  }

  private static Optional<String> location(RedfishResponse r) {
    return r.header("Location").or(() -> RedfishResponse.text(r.body(), "@odata.id"));
  }

  private RedfishResponse send(
      String method, String path, JsonNode body, String ifMatch, boolean authenticate) {
    URI uri = onService(path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/json")
            .header("OData-Version", "4.0");
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    if (authenticate) {
      if (sessions && !basicFallback && token != null) {
        b.header("X-Auth-Token", token);
      } else {
        b.header(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new UpstreamException(
          where
              + ": "
              + method
              + " "
              + path
              + " got no answer within "
              + timeout.toMillis()
              + " ms",
          e);
    } catch (IOException e) {
      throw new UpstreamException(where + ": " + method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(where + ": " + method + " " + path + " interrupted", e);
    }
    JsonNode json = MissingNode.getInstance();
    byte[] bytes = response.body();
    if (bytes.length > 0) {
      try {
        json = JSON.readTree(bytes);
      } catch (IOException e) {
        json =
            JSON.createObjectNode()
                .put(
                    "_raw",
                    new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8));
      }
    }
    return new RedfishResponse(
        response.statusCode(), response.headers(), json == null ? MissingNode.getInstance() : json);
  }

  /**
   * A link resolved against the service. An absolute link naming another host or port (BMCs behind
   * address translation name their inside address in Location headers) is taken as its path on this
   * service: credentials never go anywhere else.
   */
  URI onService(String link) {
    URI uri;
    try {
      uri = base.resolve(link);
    } catch (IllegalArgumentException e) {
      throw new UpstreamException(
          where + ": the service sent a link that is not a URI: '" + link + "'");
    }
    if (uri.getHost() == null
        || !uri.getHost().equalsIgnoreCase(base.getHost())
        || uri.getPort() != base.getPort()
        || !"https".equals(uri.getScheme())) {
      log.debug("{}: link {} names another address; using its path on this service", where, link);
      String rest = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      uri = base.resolve(rest.startsWith("/") ? rest : "/" + rest);
    }
    return uri;
  }

  /** An error naming the call, the status and the BMC's own messages. */
  UpstreamException failure(String method, String path, RedfishResponse r) {
    return new UpstreamException(
        where
            + ": "
            + method
            + " "
            + path
            + " answered "
            + r.status()
            + ": "
            + RedfishErrors.describe(r.body(), r.body().path("_raw").asText()));
  }

  private void deleteSession() {
    if (sessionUri.isPresent()) {
      String uri = sessionUri.get();
      sessionUri = Optional.empty();
      try {
        RedfishResponse r = send("DELETE", uri, null, null, true);
        if (!r.ok() && r.status() != 404) {
          log.warn("{}: deleting session {} answered {}", where, uri, r.status());
        }
      } catch (UpstreamException e) {
        log.warn("{}: deleting session {} failed: {}", where, uri, e.getMessage());
      }
    }
  }

  /** Deletes the session, if there is one. */
  @Override
  public synchronized void close() {
    deleteSession();
    token = null;
  }
}
