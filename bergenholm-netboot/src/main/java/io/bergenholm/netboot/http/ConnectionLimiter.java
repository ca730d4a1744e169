package io.bergenholm.netboot.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open connections of one listener, in total and per source address. A connection beyond either cap
 * is answered with a bare 503 (plain HTTP only; a TLS one is just closed) and closed before
 * anything of it is read, so that half-open or idle connections from one machine cannot take the
 * slots every other machine's boot needs.
 */
final class ConnectionLimiter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
  private static final byte[] BUSY =
      ("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
              + "Content-Type: application/json\r\nContent-Length: 54\r\n\r\n"
              + "{\"error\": \"too many connections; retry in a second\"}\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private final int max;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int max, int maxPerAddress) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
  }

  /** Counts the connection until it closes; false (and nothing counted) if a cap is reached. */
  boolean admit(Channel ch) {
    InetAddress address = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      log.warn(
          "refused a connection from {}: {} connections are open", address.getHostAddress(), max);
      return false;
    }
    AtomicInteger mine =
        perAddress.compute(
            address,
            (a, n) -> {
              AtomicInteger c = n == null ? new AtomicInteger() : n;
              c.incrementAndGet();
              return c;
            });
    if (mine.get() > maxPerAddress) {
      release(address);
      log.warn(
          "refused a connection from {}: it has {} open", address.getHostAddress(), maxPerAddress);
      return false;
    }
    ch.closeFuture().addListener(f -> release(address));
    return true;
  }

  private void release(InetAddress address) {
    open.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() == 0 ? null : n);
  }

  /** Connections counted now. */
  int open() {
    return open.get();
  }

  /** The handler of a refused connection: answers 503 (when {@code plain}) and closes. */
  static ChannelInboundHandlerAdapter refuse(boolean plain) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        if (plain) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(BUSY)).addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.close();
        }
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    };
  }
}
