package io.bergenholm.netboot.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** One connection's pipeline, top to bottom. */
final class HttpInitializer extends ChannelInitializer<SocketChannel> {
  private final Optional<SslContext> tls;
  private final HttpSettings settings;
  private final Router router;
  private final RequestHandler.Endpoint endpoint;
  private final Executor workers;
  private final ConnectionLimiter connections;
  private final ServerMetrics metrics;

  HttpInitializer(
      Optional<SslContext> tls,
      HttpSettings settings,
      Router router,
      RequestHandler.Endpoint endpoint,
      Executor workers,
      ServerMetrics metrics) {
    this(
        tls,
        settings,
        router,
        endpoint,
        workers,
        metrics,
        new ConnectionLimiter(
            settings.transport().maxConnections(),
            settings.transport().maxConnectionsPerAddress()));
  }

  HttpInitializer(
      Optional<SslContext> tls,
      HttpSettings settings,
      Router router,
      RequestHandler.Endpoint endpoint,
      Executor workers,
      ServerMetrics metrics,
      ConnectionLimiter connections) {
    this.connections = connections;
    this.tls = tls;
    this.settings = settings;
    this.router = router;
    this.endpoint = endpoint;
    this.workers = workers;
    this.metrics = metrics;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    Limits limits = settings.limits();
    TransportLimits transport = settings.transport();
    ChannelPipeline p = ch.pipeline();
    if (!connections.admit(ch)) {
      p.addLast("refuse", ConnectionLimiter.refuse(tls.isEmpty()));
      return;
    }
    tls.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    RequestDeadline deadline = new RequestDeadline(transport.requestReadTimeout());
    p.addLast("deadline", deadline.bytes());
    p.addLast(ReadGate.NAME, new ReadGate());
    p.addLast(
        "codec",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes())));
    p.addLast("request-end", deadline.messages());
    p.addLast(
        "idle",
        new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    p.addLast("body", new BoundedAggregator(limits.maxBodyBytes(), transport));
    p.addLast("chunked", new ChunkedWriteHandler());
    p.addLast("routes", new RequestHandler(router, endpoint, workers, limits, transport, metrics));
  }
}
