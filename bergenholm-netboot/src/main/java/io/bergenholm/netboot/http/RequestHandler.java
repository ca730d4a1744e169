package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.FORBIDDEN;
import static io.netty.handler.codec.http.HttpResponseStatus.METHOD_NOT_ALLOWED;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_MODIFIED;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;
import static io.netty.handler.codec.http.HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
import static io.netty.handler.codec.http.HttpResponseStatus.REQUEST_URI_TOO_LONG;
import static io.netty.handler.codec.http.HttpResponseStatus.UNAUTHORIZED;

import io.bergenholm.engine.image.ImageHandle;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes one connection's requests. The engine is called on the worker executor, never on the event
 * loop; responses leave in request order (HTTP/1.1 pipelining) because each waits for the one
 * before it.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

  private final Router router;
  private final Endpoint endpoint;
  private final Executor workers;
  private final Limits limits;
  private final ServerMetrics metrics;

  /** Completes when the previous response on this connection is written; event loop only. */
  private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

  /** Requests read and not yet answered, and their body bytes; event loop only. */
  private int queued;

  private long queuedBytes;

  /**
   * What this listener serves.
   *
   * @param scheme {@code http} or {@code https}
   * @param servesManagement false on a boot listener when management has its own
   * @param tokens the management tokens (none: open)
   */
  record Endpoint(String scheme, boolean servesManagement, AccessTokens tokens) {}

  private final TransportLimits transport;

  RequestHandler(
      Router router,
      Endpoint endpoint,
      Executor workers,
      Limits limits,
      TransportLimits transport,
      ServerMetrics metrics) {
    this.router = router;
    this.endpoint = endpoint;
    this.workers = workers;
    this.limits = limits;
    this.transport = transport;
    this.metrics = metrics;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    int held = req.content().readableBytes();
    holdPipelined(ctx, held);
    HttpMethod method = req.method();
    RequestLog requestLog =
        new RequestLog(ctx.channel().remoteAddress(), method.name(), pathOf(req.uri()));
    if (req.decoderResult().isFailure()) {
      Reply malformed = malformed(req.decoderResult().cause());
      respond(
          ctx,
          () -> CompletableFuture.completedFuture(malformed),
          method,
          pathOf(req.uri()),
          false,
          req.headers(),
          held,
          requestLog);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    // Headers are not reference counted: they stay valid after the request's body is released.
    HttpHeaders headers = req.headers();
    Supplier<CompletableFuture<Outcome>> outcome;
    try {
      outcome = dispatch(ctx, req, headers, keepAlive, requestLog);
    } catch (RuntimeException e) {
      outcome = () -> CompletableFuture.failedFuture(e);
    }
    respond(ctx, outcome, method, pathOf(req.uri()), keepAlive, headers, held, requestLog);
  }

  /**
   * Decodes and checks the request now (its buffers are released when this returns); the returned
   * work runs once the previous request on the connection has been answered, so that pipelined
   * requests also take effect in order.
   */
  private Supplier<CompletableFuture<Outcome>> dispatch(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      HttpHeaders headers,
      boolean keepAlive,
      RequestLog requestLog) {
    QueryStringDecoder uri =
        new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, limits.maxParameters() + 1);
    Map<String, List<String>> query;
    try {
      query = uri.parameters();
      uri.path();
    } catch (IllegalArgumentException e) { // a bad %-escape
      return done(
          Reply.error(BAD_REQUEST, "bad percent-encoding in the request URI: " + e.getMessage()));
    }
    if (query.values().stream().mapToInt(List::size).sum() > limits.maxParameters()) {
      return done(
          Reply.error(BAD_REQUEST, "more than " + limits.maxParameters() + " query parameters"));
    }
    Optional<Router.Match> match = router.match(Router.split(uri.rawPath()));
    if (match.isEmpty()) {
      return done(Reply.error(NOT_FOUND, "no such path: " + uri.rawPath()));
    }
    Router.Route route = match.get().route();
    requestLog.route = route.pattern();
    Optional<Router.Binding> binding = route.binding(req.method());
    if (binding.isEmpty()) {
      return done(
          Reply.error(
                  METHOD_NOT_ALLOWED,
                  req.method()
                      + " is not allowed on "
                      + uri.rawPath()
                      + "; allowed: "
                      + route.allow())
              .withHeader("Allow", route.allow()));
    }
    List<String> params = new ArrayList<>(match.get().params().size());
    for (String raw : match.get().params()) {
      params.add(decodePathSegment(raw));
    }
    byte[] body = ByteBufUtil.getBytes(req.content());
    // The boot listener grants no management rights, even when the management API is open.
    Optional<Access> access = endpoint.servesManagement() ? access(headers) : Optional.empty();
    requestLog.caller = caller(headers);
    headers.set(RequestLog.CALLER_HEADER, requestLog.caller);
    Call call =
        new Call(
            req.method(),
            uri.path(),
            params,
            query,
            headers,
            body,
            access,
            baseUrl(ctx, headers),
            keepAlive,
            sourceOf(ctx));

    boolean writes =
        !(HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method()))
            || query.containsKey("installed");
    if (writes) {
      Optional<String> crossSite =
          CrossSiteWrites.refusal(headers, !uri.path().startsWith("/api/1.0/templates"));
      if (crossSite.isPresent()) {
        return done(Reply.error(FORBIDDEN, crossSite.get()));
      }
    }

    Guard guard = binding.get().guard().apply(call);
    requestLog.guard = guard;
    if (guard.management()) {
      if (!endpoint.servesManagement()) {
        return done(
            Reply.error(NOT_FOUND, uri.rawPath() + " is served on the management address only"));
      }
      if (access.isEmpty() && guard.needsToken()) {
        boolean presented = headers.contains(HttpHeaderNames.AUTHORIZATION);
        return done(
            Reply.error(
                    UNAUTHORIZED,
                    presented
                        ? "the bearer token is not valid"
                        : "this call needs a bearer token (Authorization: Bearer <token>)")
                .withHeader("WWW-Authenticate", "Bearer realm=\"bergenholm\""));
      }
      if (guard.needsToken() && !access.get().allows(guard.needed())) {
        Forbidden refused =
            new Forbidden(req.method() + " " + uri.rawPath() + " needs a read-write token");
        return () -> CompletableFuture.failedFuture(refused);
      }
    }
    Router.Handler handler = binding.get().handler();
    Supplier<CompletableFuture<Outcome>> run = run(binding.get(), handler, call);
    Supplier<CompletableFuture<Outcome>> work = () -> run.get().thenCompose(RequestHandler::opened);
    // An anonymous boot-side caller learns the status of a failure, not its message.
    return access.isEmpty() ? AnonymousErrors.wrap(work, req.method().name(), uri.rawPath()) : work;
  }

  private Supplier<CompletableFuture<Outcome>> run(
      Router.Binding binding, Router.Handler handler, Call call) {
    if (binding.inline()) {
      return () -> {
        try {
          Outcome now = handler.handle(call);
          if (now instanceof Deferred later) {
            return CompletableFuture.supplyAsync(() -> tagged(later.work().get(), call), workers);
          }
          return CompletableFuture.completedFuture(tagged(now, call));
        } catch (
            RuntimeException e) { // RejectedExecutionException too: every worker busy, queue full
          return CompletableFuture.failedFuture(e);
        }
      };
    }
    return () -> {
      try {
        return CompletableFuture.supplyAsync(() -> tagged(handler.handle(call), call), workers);
      } catch (RuntimeException e) { // RejectedExecutionException: every worker busy, queue full
        return CompletableFuture.failedFuture(e);
      }
    };
  }

  /**
   * The client's address; a transport without socket addresses (an embedder's, through {@link
   * HttpRoutes}) counts as one loopback client, for registration limits.
   */
  private static java.net.InetAddress sourceOf(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress()
        : java.net.InetAddress.getLoopbackAddress();
  }

  private Optional<Access> access(HttpHeaders headers) {
    if (endpoint.tokens().isEmpty()) {
      return Optional.of(Access.READ_WRITE);
    }
    String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return endpoint.tokens().lookup(auth.substring(7).strip());
  }

  /** The label of the caller's token, for the access and audit logs ({@code -} without one). */
  private String caller(HttpHeaders headers) {
    String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (endpoint.tokens().isEmpty()) {
      return "open";
    }
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "-";
    }
    String token = auth.substring(7).strip();
    return endpoint.tokens().lookup(token).isPresent() ? endpoint.tokens().label(token) : "-";
  }

  /** Writes the outcome once every earlier response on this connection is out. */
  private void respond(
      ChannelHandlerContext ctx,
      Supplier<CompletableFuture<Outcome>> work,
      HttpMethod method,
      String path,
      boolean keepAlive,
      HttpHeaders requestHeaders,
      int bodyBytes,
      RequestLog requestLog) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    CompletableFuture<Void> before = previous;
    previous = written;
    before
        .thenCompose(
            x ->
                work.get()
                    .handle((o, e) -> e == null ? o : ErrorReplies.of(e, method.name(), path)))
        .thenAccept(
            o -> {
              if (ctx.executor().inEventLoop()) {
                write(ctx, o, method, path, keepAlive, requestHeaders, written, requestLog);
              } else {
                ctx.executor()
                    .execute(
                        () ->
                            write(
                                ctx,
                                o,
                                method,
                                path,
                                keepAlive,
                                requestHeaders,
                                written,
                                requestLog));
              }
            });
    written.whenComplete(
        (x, e) -> {
          if (ctx.executor().inEventLoop()) {
            releasePipelined(ctx, bodyBytes);
          } else {
            ctx.executor().execute(() -> releasePipelined(ctx, bodyBytes));
          }
        });
  }

  /**
   * Counts a request read and not yet answered; at {@link TransportLimits#maxPipelined()} requests
   * or {@link TransportLimits#maxPipelinedBytes()} of their bodies, stops reading from the
   * connection until answers go out, so that a client which never reads its answers holds a bounded
   * amount of memory.
   */
  private void holdPipelined(ChannelHandlerContext ctx, int bodyBytes) {
    queued++;
    queuedBytes += bodyBytes;
    if (queued >= transport.maxPipelined() || queuedBytes >= transport.maxPipelinedBytes()) {
      ReadGate gate = ctx.pipeline().get(ReadGate.class);
      if (gate != null) {
        gate.close(ctx);
      } else {
        ctx.channel().config().setAutoRead(false);
      }
    }
  }

  private void releasePipelined(ChannelHandlerContext ctx, int bodyBytes) {
    queued--;
    queuedBytes -= bodyBytes;
    if (!ctx.channel().config().isAutoRead()
        && queued < transport.maxPipelined()
        && queuedBytes < transport.maxPipelinedBytes()) {
      ReadGate gate = ctx.pipeline().get(ReadGate.class);
      if (gate != null) {
        gate.open(ctx);
      } else {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      }
    }
  }

  private void write(
      ChannelHandlerContext ctx,
      Outcome outcome,
      HttpMethod method,
      String path,
      boolean keepAlive,
      HttpHeaders requestHeaders,
      CompletableFuture<Void> written,
      RequestLog requestLog) {
    if (outcome instanceof ImageReply image) {
      ImageHandle handle = image.handle().join(); // complete: respond() waited for it
      try {
        image.streamer().write(ctx, image, handle, method, requestHeaders, keepAlive, written);
      } catch (RuntimeException e) {
        ImageStreamer.closeQuietly(handle);
        write(
            ctx,
            ErrorReplies.of(e, method.name(), path),
            method,
            path,
            keepAlive,
            requestHeaders,
            written,
            requestLog);
        return;
      }
      requestLog.finish(metrics, 200);
      return;
    }
    if (outcome instanceof EventStream stream) {
      requestLog.finish(metrics, 200);
      SseStream.serve(ctx, stream).whenComplete((x, e) -> written.complete(null));
      return;
    }
    Reply reply = (Reply) outcome;
    requestLog.finish(metrics, reply.status().code());
    HttpReplies.write(ctx, reply, method, keepAlive).addListener(f -> written.complete(null));
  }

  /** An image outcome once its image is open (off the event loop); any other outcome as it is. */
  private static CompletableFuture<Outcome> opened(Outcome outcome) {
    if (outcome instanceof ImageReply image) {
      return image.handle().thenApply(h -> outcome);
    }
    return CompletableFuture.completedFuture(outcome);
  }

  /**
   * The outcome with its entity tag, computed where the handler ran (a worker, for all but tiny
   * replies).
   */
  private static Outcome tagged(Outcome outcome, Call call) {
    return outcome instanceof Reply reply
        ? withEtag(reply, call.method(), call.headers())
        : outcome;
  }

  /**
   * Adds an entity tag to successful reads, and turns a matching {@code If-None-Match} into 304.
   */
  static Reply withEtag(Reply reply, HttpMethod method, HttpHeaders requestHeaders) {
    if (!reply.status().equals(OK)
        || !(HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))) {
      return reply;
    }
    Reply tagged =
        reply.headers().containsKey("ETag")
            ? reply
            : reply.withHeader("ETag", contentTag(reply.body()));
    String inm = requestHeaders.get(HttpHeaderNames.IF_NONE_MATCH);
    if (inm != null && matchesAny(inm, tagged.headers().get("ETag"))) {
      return new Reply(
          NOT_MODIFIED,
          tagged.contentType(),
          new byte[0],
          Map.of("ETag", tagged.headers().get("ETag")));
    }
    return tagged;
  }

  private static boolean matchesAny(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.strip();
      if (c.equals("*") || c.equals(etag) || c.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private static String contentTag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\""
          + Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(java.util.Arrays.copyOf(digest, 18))
          + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private String baseUrl(ChannelHandlerContext ctx, HttpHeaders headers) {
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]_-]+")) {
      InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
      String address = local.getAddress().getHostAddress();
      host = (address.contains(":") ? "[" + address + "]" : address) + ":" + local.getPort();
    }
    return endpoint.scheme() + "://" + host;
  }

  /** Percent-decoding for a path segment: unlike a query, a {@code +} stays a plus. */
  static String decodePathSegment(String raw) {
    try {
      return QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new io.bergenholm.api.BadInputException(
          "bad percent-encoding in path segment '" + raw + "'", e);
    }
  }

  private static Reply malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return Reply.error(REQUEST_URI_TOO_LONG, "the request line is too long");
    }
    if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      return Reply.error(REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are too large");
    }
    return Reply.error(BAD_REQUEST, "malformed HTTP request: " + cause.getMessage());
  }

  private static String pathOf(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  private static Supplier<CompletableFuture<Outcome>> done(Outcome o) {
    return () -> CompletableFuture.completedFuture(o);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
