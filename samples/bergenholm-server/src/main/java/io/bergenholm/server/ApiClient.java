package io.bergenholm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A small blocking client of the REST API, for the CLI. */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final Optional<String> token;
  private final HttpClient http;

  /**
   * One response: status, body text, and the entity tag of what it shows, if the server gave one.
   */
  record Response(int status, String body, Optional<String> etag) {}

  ApiClient(String base, Optional<String> token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends a request and returns a 2xx response; anything else is a {@link ClientException}. */
  Response send(String method, String path, Optional<byte[]> body, String contentType) {
    return send(method, path, body, contentType, Map.of());
  }

  /** As {@link #send(String, String, Optional, String)}, with extra request headers. */
  Response send(
      String method,
      String path,
      Optional<byte[]> body,
      String contentType,
      Map<String, String> headers) {
    Response r = exchange(method, path, body, contentType, headers);
    if (r.status() / 100 == 2) {
      return r;
    }
    String reason = reason(r.body());
    int code = r.status() >= 500 ? Main.UNREACHABLE : Main.REFUSED;
    if (r.status() == 412) {
      throw new ClientException(
          code,
          method
              + " "
              + path
              + ": 412 "
              + reason
              + " (it changed since it was read;"
              + " show it again and redo the change)");
    }
    throw new ClientException(code, method + " " + path + ": " + r.status() + " " + reason);
  }

  /**
   * Sends a request and returns the response whatever its status; only transport failures throw.
   */
  Response exchange(String method, String path, Optional<byte[]> body, String contentType) {
    return exchange(method, path, body, contentType, Map.of());
  }

  private Response exchange(
      String method,
      String path,
      Optional<byte[]> body,
      String contentType,
      Map<String, String> headers) {
    URI uri = URI.create(base + path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body.map(HttpRequest.BodyPublishers::ofByteArray)
                    .orElse(HttpRequest.BodyPublishers.noBody()));
    body.ifPresent(x -> b.header("Content-Type", contentType));
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    headers.forEach(b::header);
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new ClientException(
          Main.UNREACHABLE,
          "cannot connect to " + base + " (is the server running? set --url or BERGENHOLM_URL)");
    } catch (IOException e) {
      throw new ClientException(Main.UNREACHABLE, "request to " + uri + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException(Main.UNREACHABLE, "interrupted");
    }
    return new Response(r.statusCode(), r.body(), r.headers().firstValue("ETag"));
  }

  /** A POST with {@code If-Match}, returned whatever its status. */
  Response exchangeIfMatch(String path, byte[] body, String etag) {
    String tag = etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    return exchange("POST", path, Optional.of(body), "application/json", Map.of("If-Match", tag));
  }

  Response get(String path) {
    return send("GET", path, Optional.empty(), "");
  }

  /**
   * Reads a streamed response line by line, handing each to {@code line} until it returns false or
   * the server ends the stream.
   */
  void follow(String path, java.util.function.Predicate<String> line) {
    URI uri = URI.create(base + path);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpResponse<java.util.stream.Stream<String>> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
    } catch (ConnectException e) {
      throw new ClientException(
          Main.UNREACHABLE,
          "cannot connect to " + base + " (is the server running? set --url or BERGENHOLM_URL)");
    } catch (IOException e) {
      throw new ClientException(Main.UNREACHABLE, "request to " + uri + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException(Main.UNREACHABLE, "interrupted");
    }
    try (java.util.stream.Stream<String> lines = r.body()) {
      if (r.statusCode() / 100 != 2) {
        String body = String.join("\n", (Iterable<String>) lines::iterator);
        throw new ClientException(
            r.statusCode() >= 500 ? Main.UNREACHABLE : Main.REFUSED,
            "GET " + path + ": " + r.statusCode() + " " + reason(body));
      }
      java.util.Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        if (!line.test(it.next())) {
          return;
        }
      }
    } catch (java.io.UncheckedIOException e) {
      throw new ClientException(
          Main.UNREACHABLE, "the event stream from " + uri + " broke: " + e.getCause());
    }
  }

  static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ClientException(
          Main.UNREACHABLE, "the server sent invalid JSON: " + e.getMessage());
    }
  }

  static String pretty(String body) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(body));
    } catch (IOException e) {
      return body;
    }
  }

  private static String reason(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      if (n != null && n.hasNonNull("error")) {
        return n.get("error").asText();
      }
    } catch (IOException e) {
      // not JSON: show the text as it is
    }
    return body == null || body.isBlank() ? "(no reason given)" : body.strip();
  }
}
