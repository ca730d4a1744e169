package io.bergenholm.netboot.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A complete HTTP response, built in full before a byte is written so that nothing is ever
 * half-written.
 *
 * @param status the status
 * @param contentType the media type of the body (ignored when the body is empty)
 * @param body the body
 * @param headers extra headers ({@code ETag}, {@code Allow}, {@code WWW-Authenticate} …)
 */
record Reply(
    HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers)
    implements Outcome {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  public Reply {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  public static Reply empty(HttpResponseStatus status) {
    return new Reply(status, TEXT, new byte[0], Map.of());
  }

  public static Reply text(HttpResponseStatus status, String text) {
    return new Reply(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** A JSON body; {@code value} is anything {@link Json} can write. */
  public static Reply json(HttpResponseStatus status, Object value) {
    return new Reply(status, JSON, Json.write(value), Map.of());
  }

  /** {@code {"error": reason, "status": code}}. */
  public static Reply error(HttpResponseStatus status, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", reason);
    body.put("status", status.code());
    return json(status, body);
  }

  public Reply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Reply(status, contentType, body, copy);
  }
}
