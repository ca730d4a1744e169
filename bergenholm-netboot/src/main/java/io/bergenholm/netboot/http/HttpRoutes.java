package io.bergenholm.netboot.http;

import io.bergenholm.engine.Bergenholm;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Bergenholm's REST API and iPXE endpoints as a plain function from request to response, for a tool
 * that serves them from its own HTTP server (a servlet, the JDK's {@code com.sun.net.httpserver},
 * anything). The routes, access rules, limits, entity tags and error answers are exactly those of
 * {@link HttpServer}; only the transport is the embedder's.
 *
 * <p>{@link #handle} blocks while the engine works (store, rendering, power): call it from the
 * embedder's request threads, never from an event loop. It is thread-safe. Boot images ({@code
 * /ipxe/kernel/…}) are not served here (they answer 501): streaming them needs {@link HttpServer}.
 *
 * <pre>{@code
 * HttpRoutes routes = HttpRoutes.of(engine, AccessTokens.read(tokensFile));
 * HttpRoutes.Response r = routes.handle(new HttpRoutes.Request("GET", "/ipxe/script/" + uuid,
 *     Map.of("Host", List.of("boot.example:8080")), new byte[0]));
 * }</pre>
 */
public final class HttpRoutes {
  private final Router router;
  private final RequestHandler.Endpoint endpoint;
  private final Limits limits;
  private final ServerMetrics metrics;

  private HttpRoutes(
      Router router, RequestHandler.Endpoint endpoint, Limits limits, ServerMetrics metrics) {
    this.router = router;
    this.endpoint = endpoint;
    this.limits = limits;
    this.metrics = metrics;
  }

  /**
   * The routes of {@code engine}, the management side guarded by {@code tokens} ({@link
   * AccessTokens#none()}: open, for a transport that does its own authentication), with default
   * {@link Limits}, answering as a plain {@code http} server.
   */
  public static HttpRoutes of(Bergenholm engine, AccessTokens tokens) {
    return of(engine, tokens, Limits.defaults(), "http");
  }

  /**
   * As {@link #of(Bergenholm, AccessTokens)}, with limits, and {@code https} if the transport
   * speaks TLS.
   */
  public static HttpRoutes of(
      Bergenholm engine, AccessTokens tokens, Limits limits, String scheme) {
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("scheme must be http or https, not " + scheme);
    }
    ServerMetrics metrics = ServerMetrics.forEngine(engine);
    return new HttpRoutes(
        Routes.build(
            engine,
            new Json(limits),
            TransportLimits.defaults(),
            BootAccess.secure(),
            metrics,
            BootFiles.none(),
            Optional.empty()),
        new RequestHandler.Endpoint(scheme, true, tokens),
        limits,
        metrics);
  }

  /**
   * One request.
   *
   * @param method {@code GET}, {@code HEAD}, {@code POST}, {@code PUT} or {@code DELETE}
   * @param target the request target as sent: path and query, percent-encoded ({@code
   *     /api/1.0/hosts/?groups=centos})
   * @param headers the request headers; names in any case. {@code Host} should be present: chain
   *     scripts point clients back at it
   * @param body the request body, empty if none
   */
  public record Request(
      String method, String target, Map<String, List<String>> headers, byte[] body) {
    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(target, "target");
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body, "body");
    }
  }

  /**
   * One complete response.
   *
   * @param status the HTTP status code
   * @param headers response headers ({@code Content-Type}, {@code Content-Length}, {@code ETag} …),
   *     names in lower case
   * @param body the body (empty for {@code HEAD}, 204 and 304)
   */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public Response {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body, "body");
    }

    /** A response header by name, in any case. */
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  /** Answers one request; blocks while the engine works. */
  public Response handle(Request request) {
    if (request.body().length > limits.maxBodyBytes()) {
      return response(
          HttpReplies.toResponse(
              BoundedAggregator.tooLarge(limits.maxBodyBytes()),
              HttpMethod.valueOf(request.method()),
              true));
    }
    FullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.valueOf(request.method()),
            request.target(),
            Unpooled.wrappedBuffer(request.body()));
    request.headers().forEach((name, values) -> req.headers().add(name, values));
    if (!req.headers().contains(HttpHeaderNames.HOST)) {
      req.headers().set(HttpHeaderNames.HOST, "localhost");
    }
    req.headers().remove(HttpHeaderNames.CONNECTION);
    // The handler runs its routes on the calling thread (a direct executor), so the response is
    // written before writeInbound returns.
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new RequestHandler(
                router, endpoint, Runnable::run, limits, TransportLimits.defaults(), metrics));
    try {
      channel.writeInbound(req);
      channel.runPendingTasks();
      Object out = channel.readOutbound();
      if (!(out instanceof FullHttpResponse response)) {
        throw new IllegalStateException(
            "no response to " + request.method() + " " + request.target());
      }
      try {
        return response(response);
      } finally {
        response.release();
      }
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  private static Response response(FullHttpResponse response) {
    Map<String, String> headers = new LinkedHashMap<>();
    response.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    ByteBuf content = response.content();
    return new Response(response.status().code(), headers, ByteBufUtil.getBytes(content));
  }
}
