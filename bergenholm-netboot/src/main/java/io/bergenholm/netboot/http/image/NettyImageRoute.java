package io.bergenholm.netboot.http.image;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.image.ImageHandle;
import io.bergenholm.engine.image.ImageService;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the image routes ({@code /ipxe/kernel|module|initrd/<id>[/N]}) from an {@link
 * ImageService}: GET and HEAD, Content-Length whenever the length is known (chunked only for a
 * download in flight whose upstream gave none), Range on complete images, zero-copy file transfer
 * (plain copies of at most 64 KiB under TLS), and the connection closed on a fault mid-body.
 *
 * <p>The image to serve always comes from the engine's resolution of the host's parameters, never
 * from the request. Opening an image may wait for upstream, so it runs on {@code blocking}; the
 * body is written from the channel's event loop.
 */
public final class NettyImageRoute {
  private static final Logger log = LoggerFactory.getLogger(NettyImageRoute.class);

  private final ImageService images;
  private final Executor blocking;

  /**
   * @param blocking where images are resolved and opened (both may block); e.g. the executor the
   *     HTTP server runs engine calls on
   */
  public NettyImageRoute(ImageService images, Executor blocking) {
    this.images = images;
    this.blocking = blocking;
  }

  /**
   * Answers {@code request} with the image {@code target} names for host {@code hostId}. Callable
   * from any thread; when called on the event loop, {@code target} is evaluated on the blocking
   * executor. {@code target} may throw the engine's exceptions ({@link NotFoundException} for a
   * host without that parameter becomes 404). The request is not retained.
   */
  public void serve(
      ChannelHandlerContext ctx, HttpRequest request, String hostId,
      Supplier<ImageTarget> target) {
    HttpMethod method = request.method();
    boolean head = HttpMethod.HEAD.equals(method);
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpVersion version = request.protocolVersion();
    if (!head && !HttpMethod.GET.equals(method)) {
      FullHttpResponse r = text(version, HttpResponseStatus.METHOD_NOT_ALLOWED,
          "images answer GET and HEAD\n");
      r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      send(ctx, r, keepAlive);
      return;
    }
    Optional<String> range = Optional.ofNullable(request.headers().get(HttpHeaderNames.RANGE));
    Runnable open = () -> {
      ImageHandle handle;
      try {
        handle = images.open(hostId, target.get());
      } catch (NotFoundException e) {
        fail(ctx, version, keepAlive, HttpResponseStatus.NOT_FOUND, e.getMessage());
        return;
      } catch (BadInputException e) {
        log.warn("{}", e.getMessage());
        fail(ctx, version, keepAlive, HttpResponseStatus.BAD_REQUEST, e.getMessage());
        return;
      } catch (UpstreamException e) {
        fail(ctx, version, keepAlive, HttpResponseStatus.BAD_GATEWAY, e.getMessage());
        return;
      } catch (UnavailableException e) {
        log.error("host {}: {}", hostId, e.getMessage());
        fail(ctx, version, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, e.getMessage());
        return;
      } catch (RuntimeException e) {
        log.error("host {}: serving an image failed", hostId, e);
        fail(ctx, version, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "internal error; see the server log");
        return;
      }
      ctx.executor().execute(() -> respond(ctx, handle, hostId, version, head, keepAlive, range));
    };
    if (ctx.executor().inEventLoop()) {
      blocking.execute(open);
    } else {
      open.run();
    }
  }

  private void respond(
      ChannelHandlerContext ctx, ImageHandle handle, String hostId, HttpVersion version,
      boolean head, boolean keepAlive, Optional<String> rangeHeader) {
    if (!ctx.channel().isActive()) {
      closeQuietly(handle);
      return;
    }
    ImageHandle.State state = handle.state();
    if (state instanceof ImageHandle.State.Failed failed) {
      closeQuietly(handle);
      fail(ctx, version, keepAlive, HttpResponseStatus.BAD_GATEWAY, failed.cause().getMessage());
      return;
    }
    HttpResponse response = new DefaultHttpResponse(version, HttpResponseStatus.OK);
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
        FullHttpResponse r = text(version, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "");
        r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
        send(ctx, r, keepAlive);
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
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(
          keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
      return;
    }
    ctx.write(response);
    boolean zeroCopy = ctx.pipeline().get(SslHandler.class) == null;
    new BodyPump(ctx, handle, hostId, start, end, keepAlive, zeroCopy).start();
  }

  private static void fail(
      ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive,
      HttpResponseStatus status, String message) {
    FullHttpResponse r = text(version, status, message + "\n");
    ctx.executor().execute(() -> send(ctx, r, keepAlive));
  }

  private static FullHttpResponse text(HttpVersion version, HttpResponseStatus status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(version, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    HttpUtil.setContentLength(r, r.content().readableBytes());
    return r;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response).addListener(
        keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
  }

  private static void closeQuietly(ImageHandle handle) {
    try {
      handle.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", handle.url(), e.toString());
    }
  }
}
