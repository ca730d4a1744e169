package io.bergenholm.netboot.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A request for a host's boot image.
 *
 * @param method {@code GET} or {@code HEAD}
 * @param headers the request headers ({@code Range}, {@code If-None-Match} …)
 * @param hostId the host whose parameters name the image
 * @param kind {@code kernel}, {@code module} or {@code initrd}
 * @param index the module number of {@code /module/<id>/<N>}, if given
 * @param keepAlive whether the connection stays open after the response
 */
public record ImageCall(
    HttpMethod method, HttpHeaders headers, String hostId, String kind, OptionalInt index, boolean keepAlive) {
  public ImageCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(index, "index");
  }
}
