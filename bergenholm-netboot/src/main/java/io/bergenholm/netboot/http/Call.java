package io.bergenholm.netboot.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request as the routes see it: decoded, bounded, and detached from Netty's reference
 * counted buffers so that it can travel to a worker thread.
 *
 * @param method the request method ({@code HEAD} is answered as {@code GET} without a body)
 * @param path the decoded path, without the query
 * @param pathParams the values of the route's {@code {}} placeholders, in order
 * @param query decoded query parameters, in order of appearance
 * @param headers the request headers (a copy)
 * @param body the request body (empty if none)
 * @param access what the caller may do on the management side, if anything
 * @param baseUrl {@code scheme://host[:port]} as the client addressed this server
 * @param keepAlive whether the connection stays open after the response
 * @param source the client's address (the TCP peer; no forwarding header is trusted)
 */
record Call(
    HttpMethod method,
    String path,
    List<String> pathParams,
    Map<String, List<String>> query,
    HttpHeaders headers,
    byte[] body,
    Optional<Access> access,
    String baseUrl,
    boolean keepAlive,
    InetAddress source) {
  Call {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    pathParams = List.copyOf(pathParams);
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(baseUrl, "baseUrl");
  }

  String pathParam(int i) {
    return pathParams.get(i);
  }

  /** The first value of query parameter {@code name}. */
  Optional<String> param(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  boolean canWrite() {
    return access.map(a -> a.allows(Access.READ_WRITE)).orElse(false);
  }
}
