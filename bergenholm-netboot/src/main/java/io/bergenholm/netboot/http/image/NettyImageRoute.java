package io.bergenholm.netboot.http.image;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.event.BootEvents;
import io.bergenholm.engine.image.ImageHandle;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.http.HttpReplies;
import io.bergenholm.netboot.http.ImageCall;
import io.bergenholm.netboot.http.ImageRoute;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the image routes ({@code /ipxe/kernel|module|initrd/<id>[/N]}) from an {@link
 * ImageService}: GET and HEAD, Content-Length whenever the length is known (chunked only for a
 * download in flight whose upstream gave none), Range on complete images, zero-copy file transfer
 * (copies of at most 64 KiB at a time under TLS), and the connection closed on a fault mid-body.
 *
 * <p>The image served always comes from the engine's resolution of the host's parameters (the
 * {@link ImageTarget} the server hands over), never from the request. Opening an image may wait
 * for upstream, so it runs on a blocking executor; the body is written from the channel's event
 * loop, one write in flight at a time. A HEAD for an image not yet cached starts its download (the
 * length comes from upstream's headers), which warms the cache for the GET that follows.
 */
public final class NettyImageRoute implements ImageRoute, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NettyImageRoute.class);

  private final ImageService images;
  private final Executor blocking;
  private final Optional<ExecutorService> owned;
  private final Optional<BootEvents> events;

  /**
   * A route that opens images on its own threads (one per request waiting for upstream; idle
   * threads end after a minute). {@link #close()} stops them.
   */
  public NettyImageRoute(ImageService images) {
    this(images, newOpeners(), true, Optional.empty());
  }

  /** As {@link #NettyImageRoute(ImageService)}, recording an {@code image.streamed} event per image served. */
  public NettyImageRoute(ImageService images, BootEvents events) {
    this(images, newOpeners(), true, Optional.of(events));
  }

  /** A route that opens images on {@code blocking}, which must not be an event loop. */
  public NettyImageRoute(ImageService images, Executor blocking) {
    this(images, blocking, false, Optional.empty());
  }

  private NettyImageRoute(ImageService images, Executor blocking, boolean own, Optional<BootEvents> events) {
    this.images = images;
    this.blocking = blocking;
    this.owned = own ? Optional.of((ExecutorService) blocking) : Optional.empty();
    this.events = events;
  }

  private static ExecutorService newOpeners() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "image-open-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public CompletionStage<Void> serve(ChannelHandlerContext ctx, ImageCall call, ImageTarget target) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long started = System.nanoTime();
    boolean head = HttpMethod.HEAD.equals(call.method());
    if (!head && !HttpMethod.GET.equals(call.method())) {
      reply(ctx, call, HttpResponseStatus.METHOD_NOT_ALLOWED, "images answer GET and HEAD", done);
      return done;
    }
    Optional<String> range = Optional.ofNullable(call.headers().get(HttpHeaderNames.RANGE));
    Optional<ImageHandle> ready;
    try {
      // A cached image, or one already arriving, is served without a trip to another thread.
      ready = images.openIfReady(call.hostId(), target);
    } catch (RuntimeException e) {
      failed(ctx, call, target, e, done);
      recordFailure(call, target, e, started);
      return done;
    }
    if (ready.isPresent()) {
      ImageHandle handle = ready.get();
      if (ctx.executor().inEventLoop()) {
        respond(ctx, handle, call, target, head, range, done, started);
      } else {
        ctx.executor().execute(() -> respond(ctx, handle, call, target, head, range, done, started));
      }
      return done;
    }
    try {
      blocking.execute(() -> open(ctx, call, target, head, range, done, started));
    } catch (RejectedExecutionException e) {
      reply(ctx, call, HttpResponseStatus.SERVICE_UNAVAILABLE, "the server is shutting down", done);
    }
    return done;
  }

  private void open(
      ChannelHandlerContext ctx, ImageCall call, ImageTarget target, boolean head,
      Optional<String> range, CompletableFuture<Void> done, long started) {
    ImageHandle handle;
    try {
      handle = images.open(call.hostId(), target);
    } catch (RuntimeException e) {
      failed(ctx, call, target, e, done);
      recordFailure(call, target, e, started);
      return;
    }
    ctx.executor().execute(() -> respond(ctx, handle, call, target, head, range, done, started));
  }

  /** Answers an image that could not be opened, by the kind of failure. */
  private static void failed(
      ChannelHandlerContext ctx, ImageCall call, ImageTarget target, RuntimeException failure,
      CompletableFuture<Void> done) {
    String hostId = call.hostId();
    if (failure instanceof NotFoundException) {
      reply(ctx, call, HttpResponseStatus.NOT_FOUND, failure.getMessage(), done);
    } else if (failure instanceof BadInputException) {
      log.warn("{}", failure.getMessage());
      reply(ctx, call, HttpResponseStatus.BAD_REQUEST, failure.getMessage(), done);
    } else if (failure instanceof UpstreamException) {
      reply(ctx, call, HttpResponseStatus.BAD_GATEWAY, failure.getMessage(), done);
    } else if (failure instanceof UnavailableException) {
      log.error("host {}: {}", hostId, failure.getMessage());
      reply(ctx, call, HttpResponseStatus.SERVICE_UNAVAILABLE, failure.getMessage(), done);
    } else {
      log.error("host {}: serving {} failed", hostId, target.parameter(), failure);
      reply(ctx, call, HttpResponseStatus.INTERNAL_SERVER_ERROR,
          "internal error; see the server log", done);
    }
  }

  private void respond(
      ChannelHandlerContext ctx, ImageHandle handle, ImageCall call, ImageTarget target, boolean head,
      Optional<String> rangeHeader, CompletableFuture<Void> done, long started) {
    boolean keepAlive = call.keepAlive();
    if (!ctx.channel().isActive()) {
      closeQuietly(handle);
      done.complete(null);
      return;
    }
    ImageHandle.State state = handle.state();
    if (state instanceof ImageHandle.State.Failed failed) {
      closeQuietly(handle);
      reply(ctx, call, HttpResponseStatus.BAD_GATEWAY, failed.cause().getMessage(), done);
      record(call, target, BootEvent.ERROR, handle.fromCache() ? "cache" : "upstream", 0, started,
          String.valueOf(failed.cause().getMessage()));
      return;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
        .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    long start = 0;
    long end;
    if (state instanceof ImageHandle.State.Complete complete) {
      long length = complete.length();
      end = length;
      ByteRange.Request asked = ByteRange.parse(rangeHeader, length);
      if (asked instanceof ByteRange.Request.Unsatisfiable) {
        closeQuietly(handle);
        HttpReplies.write(ctx, HttpReplies.error(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    "the image has " + length + " bytes")
                .withHeader(HttpHeaderNames.CONTENT_RANGE.toString(), "bytes */" + length),
            call.method(), keepAlive)
            .addListener(f -> done.complete(null));
        return;
      }
      if (asked instanceof ByteRange.Request.Partial partial) {
        ByteRange r = partial.range();
        response.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
        response.headers().set(HttpHeaderNames.CONTENT_RANGE,
            "bytes " + r.first() + "-" + r.last() + "/" + length);
        start = r.first();
        end = r.last() + 1;
      }
      HttpUtil.setContentLength(response, end - start);
    } else {
      // In flight: Range is not answered (the bytes may not exist yet); the length is known
      // from upstream in nearly every case, and iPXE needs it.
      OptionalLong length = handle.length();
      if (length.isPresent()) {
        end = length.getAsLong();
        HttpUtil.setContentLength(response, end);
      } else {
        end = -1;
        HttpUtil.setTransferEncodingChunked(response, true);
      }
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    if (head) {
      closeQuietly(handle);
      ctx.write(response);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
              : ChannelFutureListener.CLOSE)
          .addListener(f -> done.complete(null));
      return;
    }
    ctx.write(response);
    boolean zeroCopy = ctx.pipeline().get(SslHandler.class) == null;
    String source = handle.fromCache() ? "cache" : "upstream";
    new BodyPump(ctx, handle, call.hostId(), start, end, keepAlive, zeroCopy, done,
        (outcome, bytes) -> record(call, target, outcome, source, bytes, started, "")).start();
  }

  /** Records how an image went out; {@code error} is empty unless the outcome is one. */
  private void record(ImageCall call, ImageTarget target, String outcome, String source, long bytes, long started,
      String error) {
    events.ifPresent(ev -> {
      Map<String, String> a = new LinkedHashMap<>();
      a.put("image", target.parameter());
      a.put("source", source);
      a.put("bytes", Long.toString(bytes));
      a.put("duration_ms", Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
      if (!error.isEmpty()) {
        a.put("error", error);
      }
      ev.record(BootEvent.KIND_IMAGE_STREAMED, call.hostId(), outcome, a);
    });
  }

  private void recordFailure(ImageCall call, ImageTarget target, RuntimeException e, long started) {
    record(call, target, BootEvent.ERROR, "upstream", 0, started, String.valueOf(e.getMessage()));
  }

  /** An error before the first byte: a complete reply, on the event loop. */
  private static void reply(
      ChannelHandlerContext ctx, ImageCall call, HttpResponseStatus status, String reason,
      CompletableFuture<Void> done) {
    ctx.executor().execute(() -> HttpReplies.write(ctx, HttpReplies.error(status, reason),
            call.method(), call.keepAlive())
        .addListener(f -> done.complete(null)));
  }

  private static void closeQuietly(ImageHandle handle) {
    try {
      handle.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", handle.url(), e.toString());
    }
  }

  /** Stops the route's own opening threads, if it made them. */
  @Override
  public void close() {
    owned.ifPresent(ExecutorService::shutdownNow);
  }
}
