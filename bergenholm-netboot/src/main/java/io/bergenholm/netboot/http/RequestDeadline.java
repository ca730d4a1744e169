package io.bergenholm.netboot.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for reading one whole request, head and body: it starts with the request's first byte
 * and ends when the codec has passed on its last, so a client that trickles a request (one byte
 * every 50 s resets any idle timer) loses its connection when the deadline passes. Two handlers
 * share the state: {@link #bytes()} goes before the HTTP codec (it sees the first raw byte), {@link
 * #messages()} after it (it sees where a request ends). While the server itself has stopped reading
 * the connection (the pipelining bound), the deadline waits.
 */
final class RequestDeadline {
  private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);

  private final long timeoutNanos;
  private ScheduledFuture<?> timer;
  private long started;

  RequestDeadline(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  ChannelInboundHandlerAdapter bytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
          start(ctx);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
      }
    };
  }

  ChannelDuplexHandler messages() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
          start(ctx); // the next pipelined request, already in the codec's buffer
        }
        if (msg instanceof LastHttpContent) {
          stop();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  private void start(ChannelHandlerContext ctx) {
    if (timer != null) {
      return;
    }
    started = System.nanoTime();
    timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void stop() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expire(ChannelHandlerContext ctx) {
    if (timer == null) {
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      // The server is not reading (answers are pending): not the client's delay.
      timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
      return;
    }
    timer = null;
    log.debug(
        "closing connection from {}: a request took more than {} ms to arrive",
        ctx.channel().remoteAddress(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    ctx.channel().close();
  }
}
