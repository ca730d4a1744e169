package io.bergenholm.netboot.http;

import io.bergenholm.api.UpstreamException;
import io.bergenholm.engine.ImageTarget;
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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * so that a slow image server holds no worker that scripts need. Failures to open are ordinary
 * failed outcomes, answered by {@link ErrorReplies} like any other. {@link #write} runs on the
 * channel's event loop, and the body follows from there one write at a time ({@link BodyPump}). A
 * HEAD for an image not yet cached starts its download (the length comes from upstream's headers),
 * which warms the cache for the GET that follows.
 */
final class ImageStreamer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageStreamer.class);

  private final ImageService images;
  private final ExecutorService openers;

  /** Opens images on its own threads (one per request waiting for upstream; idle ones end after a minute). */
  ImageStreamer(ImageService images) {
    this.images = images;
    AtomicInteger n = new AtomicInteger();
    this.openers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "image-open-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The image {@code target} names for {@code hostId}, open or opening. Call off the event loop. */
  Outcome open(String hostId, ImageTarget target) {
    Optional<ImageHandle> ready = images.openIfReady(hostId, target);
    if (ready.isPresent()) {
      return new ImageReply(hostId, CompletableFuture.completedFuture(ready.get()));
    }
    return new ImageReply(hostId, CompletableFuture.supplyAsync(() -> images.open(hostId, target), openers));
  }

  /** Writes the response for an opened image; on the event loop; completes {@code done} when written. */
  static void write(ChannelHandlerContext ctx, String hostId, ImageHandle handle, HttpMethod method,
      HttpHeaders requestHeaders, boolean keepAlive, CompletableFuture<Void> done) {
    if (!ctx.channel().isActive()) {
      closeQuietly(handle);
      done.complete(null);
      return;
    }
    ImageHandle.State state = handle.state();
    if (state instanceof ImageHandle.State.Failed failed) {
      closeQuietly(handle);
      reply(ctx, ErrorReplies.of(new UpstreamException(failed.cause().getMessage(), failed.cause()), method.name(),
          "image of host " + hostId), method, keepAlive, done);
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
      ByteRange.Request asked = ByteRange.parse(Optional.ofNullable(requestHeaders.get(HttpHeaderNames.RANGE)), length);
      if (asked instanceof ByteRange.Request.Unsatisfiable) {
        closeQuietly(handle);
        reply(ctx, Reply.error(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "the image has " + length + " bytes")
            .withHeader(HttpHeaderNames.CONTENT_RANGE.toString(), "bytes */" + length), method, keepAlive, done);
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
    if (HttpMethod.HEAD.equals(method)) {
      closeQuietly(handle);
      ctx.write(response);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE)
          .addListener(f -> done.complete(null));
      return;
    }
    ctx.write(response);
    boolean zeroCopy = ctx.pipeline().get(SslHandler.class) == null;
    new BodyPump(ctx, handle, hostId, start, end, keepAlive, zeroCopy, done).start();
  }

  private static void reply(ChannelHandlerContext ctx, Reply reply, HttpMethod method, boolean keepAlive,
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
