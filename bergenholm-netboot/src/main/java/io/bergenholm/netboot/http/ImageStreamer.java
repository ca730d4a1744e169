package io.bergenholm.netboot.http;

import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.event.BootEvents;
import io.bergenholm.engine.image.ImageHandle;
import io.bergenholm.engine.image.ImageService;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image routes ({@code /ipxe/kernel|module|initrd/<id>[/N]}) over an {@link ImageService}: GET
 * and HEAD, Content-Length whenever the length is known (chunked only for a download in flight
 * whose upstream gave none), Range on complete images, zero-copy file transfer (copies of at most
 * 64 KiB at a time under TLS), and the connection closed on a fault mid-body.
 *
 * <p>The image served always comes from the engine's resolution of the host's parameters, never
 * from the request. {@link #open} runs on a worker: a cached image, or one already arriving, is
 * opened there at once; one that must wait for upstream is opened on this streamer's own threads,
 * so that a slow image server holds no worker that scripts need, within {@link ImageOpenLimits}.
 * Failures to open are ordinary failed outcomes, answered by {@link ErrorReplies} like any other.
 * {@link #write} runs on the channel's event loop, and the body follows from there one write at a
 * time ({@link BodyPump}). A HEAD for an image not yet cached starts its download (the length comes
 * from upstream's headers), which warms the cache for the GET that follows.
 */
final class ImageStreamer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageStreamer.class);

  private final ImageService images;
  private final ThreadPoolExecutor openers;
  private final BootEvents events;

  /**
   * Opens images on its own threads, within {@code limits}; records an {@code image.streamed} event
   * per image served (or failed) in {@code events}.
   */
  ImageStreamer(ImageService images, ImageOpenLimits limits, BootEvents events) {
    this.images = images;
    this.events = events;
    AtomicInteger n = new AtomicInteger();
    this.openers =
        new ThreadPoolExecutor(
            limits.threads(),
            limits.threads(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(limits.queue()),
            r -> {
              Thread t = new Thread(r, "image-open-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    openers.allowCoreThreadTimeOut(true);
  }

  /**
   * The image {@code target} names for {@code hostId}, open or opening. Call off the event loop.
   */
  Outcome open(String hostId, ImageTarget target) {
    long started = System.nanoTime();
    String image = target.parameter();
    CompletableFuture<ImageHandle> handle;
    try {
      Optional<ImageHandle> ready = images.openIfReady(hostId, target);
      if (ready.isPresent()) {
        return new ImageReply(
            this, hostId, image, started, CompletableFuture.completedFuture(ready.get()));
      }
      handle = CompletableFuture.supplyAsync(() -> images.open(hostId, target), openers);
    } catch (RejectedExecutionException e) {
      if (openers.isShutdown()) {
        throw new UnavailableException("the server is shutting down", e);
      }
      log.warn(
          "host {}: refused {}: every image opening thread waits for upstream and the queue is full",
          hostId,
          image);
      return Reply.error(
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              "too many images are waiting for their upstream; retry shortly")
          .withHeader("Retry-After", "5");
    } catch (RuntimeException e) {
      record(
          hostId, image, BootEvent.ERROR, "upstream", 0, started, String.valueOf(e.getMessage()));
      throw e;
    }
    handle.whenComplete(
        (h, e) -> {
          if (e != null) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            record(
                hostId,
                image,
                BootEvent.ERROR,
                "upstream",
                0,
                started,
                String.valueOf(cause.getMessage()));
          }
        });
    return new ImageReply(this, hostId, image, started, handle);
  }

  /**
   * Writes the response for an opened image; on the event loop; completes {@code done} when
   * written.
   */
  void write(
      ChannelHandlerContext ctx,
      ImageReply image,
      ImageHandle handle,
      HttpMethod method,
      HttpHeaders requestHeaders,
      boolean keepAlive,
      CompletableFuture<Void> done) {
    String hostId = image.hostId();
    if (!ctx.channel().isActive()) {
      closeQuietly(handle);
      done.complete(null);
      return;
    }
    ImageHandle.State state = handle.state();
    if (state instanceof ImageHandle.State.Failed failed) {
      closeQuietly(handle);
      // Image routes are anonymous: the message (URLs, their credentials, cache paths) goes to the
      // log only.
      reply(
          ctx,
          Reply.error(
              HttpResponseStatus.BAD_GATEWAY,
              AnonymousErrors.reason(
                  HttpResponseStatus.BAD_GATEWAY,
                  failed.cause().getMessage(),
                  "host " + hostId + " " + handle.url())),
          method,
          keepAlive,
          done);
      record(
          hostId,
          image.image(),
          BootEvent.ERROR,
          handle.fromCache() ? "cache" : "upstream",
          0,
          image.startedNanos(),
          String.valueOf(failed.cause().getMessage()));
      return;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
        .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    long start = 0;
    long end;
    if (state instanceof ImageHandle.State.Complete complete) {
      long length = complete.length();
      end = length;
      ByteRange.Request asked =
          ByteRange.parse(Optional.ofNullable(requestHeaders.get(HttpHeaderNames.RANGE)), length);
      if (asked instanceof ByteRange.Request.Unsatisfiable) {
        closeQuietly(handle);
        reply(
            ctx,
            Reply.error(
                    HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    "the image has " + length + " bytes")
                .withHeader(HttpHeaderNames.CONTENT_RANGE.toString(), "bytes */" + length),
            method,
            keepAlive,
            done);
        return;
      }
      if (asked instanceof ByteRange.Request.Partial partial) {
        ByteRange r = partial.range();
        response.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
        response
            .headers()
            .set(
                HttpHeaderNames.CONTENT_RANGE,
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
    if (HttpMethod.HEAD.equals(method)) {
      closeQuietly(handle);
      ctx.write(response);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(
              keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE)
          .addListener(f -> done.complete(null));
      return;
    }
    ctx.write(response);
    boolean zeroCopy = ctx.pipeline().get(SslHandler.class) == null;
    String source = handle.fromCache() ? "cache" : "upstream";
    new BodyPump(
            ctx,
            handle,
            hostId,
            start,
            end,
            keepAlive,
            zeroCopy,
            done,
            (outcome, bytes) ->
                record(hostId, image.image(), outcome, source, bytes, image.startedNanos(), ""))
        .start();
  }

  /** Records how an image went out; {@code error} is empty unless the outcome is one. */
  private void record(
      String hostId,
      String image,
      String outcome,
      String source,
      long bytes,
      long started,
      String error) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("image", image);
    a.put("source", source);
    a.put("bytes", Long.toString(bytes));
    a.put("duration_ms", Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
    if (!error.isEmpty()) {
      a.put("error", error);
    }
    events.record(BootEvent.KIND_IMAGE_STREAMED, hostId, outcome, a);
  }

  private static void reply(
      ChannelHandlerContext ctx,
      Reply reply,
      HttpMethod method,
      boolean keepAlive,
      CompletableFuture<Void> done) {
    HttpReplies.write(ctx, reply, method, keepAlive).addListener(f -> done.complete(null));
  }

  static void closeQuietly(ImageHandle handle) {
    try {
      handle.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", handle.url(), e.toString());
    }
  }

  /** Stops the opening threads. */
  @Override
  public void close() {
    openers.shutdownNow();
  }
}
