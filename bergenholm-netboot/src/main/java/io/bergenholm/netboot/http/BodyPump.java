package io.bergenholm.netboot.http;

import io.bergenholm.engine.image.ImageHandle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an image body to one client, following the image's file as it grows. Confined to the
 * channel's event loop. One write is in flight at a time and the next starts only when the client
 * has taken the last, so a slow client holds back only itself and the server buffers nothing: a
 * zero-copy region is a reference to the file, and under TLS one chunk of {@value #COPY_CHUNK}
 * bytes is the most held per client.
 *
 * <p>A failed image closes the connection before the body is complete, so the client sees a short
 * body (against Content-Length) or a missing last chunk, never a complete-looking one.
 */
final class BodyPump {
  private static final Logger log = LoggerFactory.getLogger(BodyPump.class);
  static final int COPY_CHUNK = 64 * 1024;

  private final ChannelHandlerContext ctx;
  private final ImageHandle handle;
  private final String hostId;
  private final long end;
  private final boolean keepAlive;
  private final boolean zeroCopy;
  private final CompletableFuture<Void> done;
  private final BiConsumer<String, Long> ended;
  private long sent;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private long position;
  private boolean writing;
  private boolean finished;
  private boolean corked;

  /**
   * @param start first byte to send
   * @param end one past the last byte to send, or -1 to send until the image is complete
   * @param zeroCopy whether file regions can go to the channel as they are (no TLS in the way)
   * @param done completed when the response is written or abandoned
   * @param ended told once how the body ended ({@code ok}, {@code aborted} by the client, {@code
   *     error}) and how many body bytes went out
   */
  BodyPump(
      ChannelHandlerContext ctx,
      ImageHandle handle,
      String hostId,
      long start,
      long end,
      boolean keepAlive,
      boolean zeroCopy,
      CompletableFuture<Void> done,
      BiConsumer<String, Long> ended) {
    this.ended = ended;
    this.ctx = ctx;
    this.handle = handle;
    this.hostId = hostId;
    this.position = start;
    this.end = end;
    this.keepAlive = keepAlive;
    this.zeroCopy = zeroCopy;
    this.done = done;
  }

  void start() {
    if (zeroCopy
        && handle.state() instanceof ImageHandle.State.Complete
        && ctx.channel() instanceof EpollSocketChannel epoll) {
      // As nginx's tcp_nopush: the head and the file go out in full segments, not one short
      // segment per sendfile batch; uncorked when the body is done, which sends the tail. Not
      // for an image still arriving, whose last segment would wait for the cork's 200 ms.
      epoll.config().setTcpCork(true);
      corked = true;
    }
    handle.onProgress(this::schedule);
    ctx.channel().closeFuture().addListener(f -> schedule());
    pump();
  }

  /** Called from the download thread: hands the work to the event loop, once per burst. */
  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      ctx.executor()
          .execute(
              () -> {
                scheduled.set(false);
                pump();
              });
    }
  }

  private void pump() {
    if (finished || writing) {
      return;
    }
    if (!ctx.channel().isActive()) {
      log.debug("host {}: client left during {} at byte {}", hostId, handle.url(), position);
      ended.accept("aborted", sent);
      finish();
      done.complete(null);
      return;
    }
    ImageHandle.State state = handle.state();
    if (state instanceof ImageHandle.State.Failed failed) {
      abort(failed.cause());
      return;
    }
    long limit =
        state instanceof ImageHandle.State.Complete c
            ? c.length()
            : ((ImageHandle.State.Receiving) state).sendable();
    if (end >= 0) {
      limit = Math.min(limit, end);
    }
    if (position < limit) {
      write(limit - position);
      return;
    }
    if (state instanceof ImageHandle.State.Complete) {
      finished = true;
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(
              f -> {
                uncork();
                ended.accept(f.isSuccess() ? "ok" : "aborted", sent);
                close();
                if (!f.isSuccess() || !keepAlive) {
                  ctx.channel().close();
                }
                done.complete(null);
              });
    }
    // Otherwise wait: the download calls schedule() when more arrives.
  }

  private void write(long available) {
    Object message;
    long count;
    if (zeroCopy) {
      count = available;
      message = new SharedFileRegion(handle.channel(), position, count);
    } else {
      count = Math.min(available, COPY_CHUNK);
      ByteBuf chunk = ctx.alloc().buffer((int) count);
      try {
        int read = chunk.writeBytes(handle.channel(), position, (int) count);
        if (read < count) {
          chunk.release();
          abort(new IOException(handle.url() + ": file ended at " + position + " + " + read));
          return;
        }
      } catch (IOException e) {
        chunk.release();
        abort(e);
        return;
      }
      message = new DefaultHttpContent(chunk);
    }
    writing = true;
    ctx.writeAndFlush(message)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  writing = false;
                  if (f.isSuccess()) {
                    position += count;
                    sent += count;
                    handle.served(count);
                    pump();
                  } else {
                    log.debug(
                        "host {}: writing {} failed at byte {}: {}",
                        hostId,
                        handle.url(),
                        position,
                        f.cause().toString());
                    ended.accept("aborted", sent);
                    finishAndClose();
                  }
                });
  }

  /** Sends what the cork holds back; the connection may carry other responses after this one. */
  private void uncork() {
    if (corked) {
      corked = false;
      if (ctx.channel().isOpen()) {
        ((EpollSocketChannel) ctx.channel()).config().setTcpCork(false);
      }
    }
  }

  private void abort(IOException cause) {
    log.warn(
        "host {}: aborting the response with {} after {} bytes: {}",
        hostId,
        handle.url(),
        position,
        cause.getMessage());
    ended.accept("error", sent);
    finishAndClose();
  }

  private void finish() {
    finished = true;
    uncork();
    close();
  }

  private void close() {
    try {
      handle.close();
    } catch (IOException e) {
      log.warn("closing {} failed: {}", handle.url(), e.toString());
    }
  }

  private void finishAndClose() {
    finish();
    ctx.channel().close().addListener(f -> done.complete(null));
  }
}
