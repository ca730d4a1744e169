package io.bergenholm.netboot.http.image;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.engine.ImageTarget;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The smallest Netty HTTP server that routes {@code /ipxe/kernel/<id>} to a {@link
 * NettyImageRoute}, standing in for the project's HTTP server in these tests: bootstrap, codec,
 * one handler. Targets are set per host id, as the engine would resolve them.
 */
final class TestHttpServer implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final Map<String, ImageTarget> targets = new ConcurrentHashMap<>();
  private final Channel server;

  TestHttpServer(NettyImageRoute route) throws InterruptedException {
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpObject>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof HttpRequest request) {
                  String id = request.uri().substring(request.uri().lastIndexOf('/') + 1);
                  route.serve(ctx, request, id, () -> {
                    ImageTarget t = targets.get(id);
                    if (t == null) {
                      throw new NotFoundException("host", id);
                    }
                    return t;
                  });
                }
              }
            });
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  void target(String hostId, ImageTarget target) {
    targets.put(hostId, target);
  }

  URI uri(String hostId) {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return URI.create("http://127.0.0.1:" + a.getPort() + "/ipxe/kernel/" + hostId);
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
