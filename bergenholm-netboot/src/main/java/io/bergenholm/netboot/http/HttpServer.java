package io.bergenholm.netboot.http;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: the REST API and the iPXE endpoints of one {@link Bergenholm} engine, on a boot
 * listener and optionally a separate management listener. Engine calls run on a bounded worker
 * pool; when it is full, requests get 503 rather than queueing without end.
 *
 * <pre>{@code
 * try (ImageService images = ImageService.forEngine(engine, config);
 *     HttpServer server = HttpServer.start(engine, HttpSettings.of(address), images)) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Images ({@code /ipxe/kernel/…}) are streamed from the {@link ImageService} given; without one,
 * those routes answer 501.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  private final boolean epoll;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup loops;
  private final BoundedExecutor workers;
  private Optional<ImageStreamer> images = Optional.empty();
  private final List<Channel> channels = new ArrayList<>();
  private final List<ConnectionLimiter> limiters = new ArrayList<>();
  private InetSocketAddress bootAddress;
  private Optional<InetSocketAddress> managementAddress = Optional.empty();
  private Optional<ServerMetrics> ownedMetrics = Optional.empty();

  private HttpServer(HttpSettings settings) {
    this.epoll = settings.nativeTransport() && Epoll.isAvailable();
    this.acceptors =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("bergenholm-http-accept"), ioHandlers());
    this.loops =
        new MultiThreadIoEventLoopGroup(
            0, new DefaultThreadFactory("bergenholm-http"), ioHandlers());
    this.workers = new BoundedExecutor(settings.workerThreads(), settings.workQueue());
  }

  private IoHandlerFactory ioHandlers() {
    return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /**
   * Whether this server runs on Linux's epoll (else the JDK's NIO).
   *
   * @return true on epoll
   */
  public boolean nativeTransport() {
    return epoll;
  }

  /**
   * Binds the listeners and starts serving.
   *
   * @throws UncheckedIOException if a listener cannot bind or a TLS file cannot be read
   */
  public static HttpServer start(Bergenholm engine, HttpSettings settings, ImageService images) {
    return start(engine, settings, Optional.of(images), BootFiles.none());
  }

  /** A server whose image routes answer 501 (not implemented). */
  public static HttpServer start(Bergenholm engine, HttpSettings settings) {
    return start(engine, settings, Optional.empty(), BootFiles.none());
  }

  /**
   * As {@link #start(Bergenholm, HttpSettings, ImageService)}, also serving {@code bootFiles} as
   * {@code /ipxe/<name>}; without {@code images}, the image routes answer 501.
   */
  public static HttpServer start(
      Bergenholm engine,
      HttpSettings settings,
      Optional<ImageService> images,
      BootFiles bootFiles) {
    ServerMetrics metrics = ServerMetrics.forEngine(engine);
    try {
      HttpServer server =
          start(engine, settings, images, ImageOpenLimits.defaults(), metrics, bootFiles);
      server.ownedMetrics = Optional.of(metrics);
      return server;
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
  }

  /**
   * The full form: images opened within {@code opens}, {@code metrics} served on {@code /metrics}
   * (the caller closes them), {@code bootFiles} served as {@code /ipxe/<name>}.
   */
  public static HttpServer start(
      Bergenholm engine,
      HttpSettings settings,
      Optional<ImageService> images,
      ImageOpenLimits opens,
      ServerMetrics metrics,
      BootFiles bootFiles) {
    HttpServer server = new HttpServer(settings);
    try {
      server.images = images.map(service -> new ImageStreamer(service, opens, engine.events()));
      Router router =
          Routes.build(
              engine,
              new Json(settings.limits()),
              settings.transport(),
              settings.bootAccess(),
              metrics,
              bootFiles,
              server.images);
      boolean split = settings.management().isPresent();
      server.bootAddress = server.bind(settings.boot(), settings, router, !split, "boot", metrics);
      if (split) {
        server.managementAddress =
            Optional.of(
                server.bind(
                    settings.management().get(), settings, router, true, "management", metrics));
      }
      warnIfOpen(settings);
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private InetSocketAddress bind(
      Listener listener,
      HttpSettings settings,
      Router router,
      boolean management,
      String role,
      ServerMetrics metrics) {
    Optional<SslContext> tls = listener.tls().map(HttpServer::sslContext);
    RequestHandler.Endpoint endpoint =
        new RequestHandler.Endpoint(
            tls.isPresent() ? "https" : "http", management, settings.tokens());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(acceptors, loops)
            .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new HttpInitializer(
                    tls, settings, router, endpoint, workers, metrics, limiter(settings)));
    Channel ch;
    try {
      ch = b.bind(listener.address()).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the socket's checked BindException unchecked
      throw new UncheckedIOException(
          "cannot listen on " + listener.address() + " (" + role + "): " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    channels.add(ch);
    InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
    log.info(
        "HTTP {} listener on {}://{}:{} ({})",
        role,
        endpoint.scheme(),
        bound.getAddress().getHostAddress(),
        bound.getPort(),
        epoll ? "epoll" : "NIO");
    return bound;
  }

  private static SslContext sslContext(TlsFiles files) {
    try {
      return SslContextBuilder.forServer(
              files.certificateChain().toFile(), files.privateKey().toFile())
          .build();
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException(
          "cannot load TLS certificate "
              + files.certificateChain()
              + " and key "
              + files.privateKey()
              + ": "
              + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  private static void warnIfOpen(HttpSettings settings) {
    if (!settings.tokens().isEmpty()) {
      return;
    }
    Listener management = settings.management().orElse(settings.boot());
    if (management.beyondLoopback()) {
      log.warn(
          "*** The management API on {} is OPEN: no access tokens are configured and it listens beyond "
              + "loopback. Anyone who can reach it can change hosts, groups and templates and power machines "
              + "off. Configure a tokens file. ***",
          management.address());
    }
  }

  private ConnectionLimiter limiter(HttpSettings settings) {
    ConnectionLimiter l =
        new ConnectionLimiter(
            settings.transport().maxConnections(), settings.transport().maxConnectionsPerAddress());
    limiters.add(l);
    return l;
  }

  /** Connections open now, on every listener. */
  public int openConnections() {
    return limiters.stream().mapToInt(ConnectionLimiter::open).sum();
  }

  /** Where the boot side listens (with the real port when 0 was asked for). */
  public InetSocketAddress bootAddress() {
    return bootAddress;
  }

  /** Where the management side listens, if on its own listener. */
  public Optional<InetSocketAddress> managementAddress() {
    return managementAddress;
  }

  @Override
  public void close() {
    for (Channel ch : channels) {
      ch.close().syncUninterruptibly();
    }
    acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.close();
    images.ifPresent(ImageStreamer::close);
    ownedMetrics.ifPresent(ServerMetrics::close);
  }
}
