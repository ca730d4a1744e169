package io.bergenholm.netboot.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closing after an answer that refuses a body still on the wire (413): closing at once, with unread
 * bytes in the socket, makes the kernel send a reset, and the client may lose the answer. So, as
 * nginx does, the server half-closes (the client reads the answer and the end of the stream), then
 * reads and drops what the client still sends, up to {@code maxBytes} or {@code maxTime}, and only
 * then closes.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
  static final String NAME = "linger";

  private final long maxBytes;
  private long dropped;

  private LingeringClose(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Starts lingering on {@code ctx}'s channel once the answer is written: replaces everything that
   * reads requests with a handler that drops bytes.
   */
  static void start(ChannelHandlerContext ctx, long maxBytes, Duration maxTime) {
    if (!(ctx.channel() instanceof SocketChannel socket) || maxBytes == 0) {
      ctx.close();
      return;
    }
    var pipeline = ctx.pipeline();
    if (pipeline.get(NAME) != null) {
      return;
    }
    LingeringClose linger = new LingeringClose(maxBytes);
    // Before the codec (after TLS, if any): from now on no byte reaches the HTTP handlers.
    if (pipeline.get("codec") != null) {
      pipeline.addBefore("codec", NAME, linger);
    } else {
      pipeline.addFirst(NAME, linger);
    }
    ReadGate gate = pipeline.get(ReadGate.class);
    if (gate != null) {
      gate.open(ctx);
    }
    socket.config().setAutoRead(true);
    socket
        .shutdownOutput()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                socket.close();
              }
            });
    socket
        .eventLoop()
        .schedule(
            () -> {
              socket.close();
            },
            maxTime.toNanos(),
            TimeUnit.NANOSECONDS);
    socket.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      dropped += b.readableBytes();
    }
    ReferenceCountUtil.release(msg);
    if (dropped > maxBytes) {
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      ctx.close();
    }
    ReferenceCountUtil.release(evt);
  }
}
