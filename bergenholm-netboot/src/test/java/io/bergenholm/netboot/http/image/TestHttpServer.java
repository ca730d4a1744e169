package io.bergenholm.netboot.http.image;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.engine.image.ImageSettings;
import io.bergenholm.engine.image.SourcePolicy;
import io.bergenholm.netboot.http.BootFiles;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.HttpSettings;
import io.bergenholm.netboot.http.ImageOpenLimits;
import io.bergenholm.netboot.http.Listener;
import io.bergenholm.netboot.http.ServerMetrics;
import io.bergenholm.netboot.http.TlsFiles;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The project's HTTP server streaming images from an {@link ImageService}, over an engine with a
 * memory store: what the runner wires, on 127.0.0.1 and a free port. Hosts get their image
 * parameters from {@link #target}, so every request goes through the real resolution of {@code
 * kernel}.
 */
final class TestHttpServer implements AutoCloseable {
  private final Bergenholm engine;
  private final HttpServer server;
  private final ServerMetrics metrics;

  private final String scheme;

  TestHttpServer(ImageService images) {
    this(images, Optional.empty());
  }

  /** With {@code tls}, the server speaks HTTPS (and the route copies instead of zero-copy). */
  TestHttpServer(ImageService images, Optional<TlsFiles> tls) {
    this(images, tls, ImageOpenLimits.defaults(), 0);
  }

  /** With these bounds on image opens. */
  TestHttpServer(ImageService images, Optional<TlsFiles> tls, ImageOpenLimits opens) {
    this(images, tls, opens, 0);
  }

  /** With {@code workers} > 0, the server has that many worker threads (and a queue as long). */
  TestHttpServer(ImageService images, Optional<TlsFiles> tls, int workers) {
    this(images, tls, ImageOpenLimits.defaults(), workers);
  }

  /** Plain HTTP through epoll ({@code nativeTransport}, where it loads) or the JDK's NIO. */
  TestHttpServer(ImageService images, boolean nativeTransport) {
    this(images, Optional.empty(), ImageOpenLimits.defaults(), 0, nativeTransport);
  }

  private TestHttpServer(
      ImageService images, Optional<TlsFiles> tls, ImageOpenLimits opens, int workers) {
    this(images, tls, opens, workers, true);
  }

  private TestHttpServer(
      ImageService images,
      Optional<TlsFiles> tls,
      ImageOpenLimits opens,
      int workers,
      boolean nativeTransport) {
    engine = Bergenholm.builder().setting(Bergenholm.STORE, "memory:").build();
    metrics = ServerMetrics.forEngine(engine);
    InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
    HttpSettings settings =
        HttpSettings.of(any).withBoot(new Listener(any, tls)).withNativeTransport(nativeTransport);
    server =
        HttpServer.start(
            engine,
            workers > 0 ? settings.withWorkers(workers, workers) : settings,
            Optional.of(images),
            opens,
            metrics,
            BootFiles.none());
    scheme = tls.isPresent() ? "https" : "http";
  }

  /**
   * An image service with a 1 GiB cache in {@code cacheDir} that fetches through the engine's own
   * sources ({@code sources}) and may reach this machine's loopback, where the test upstreams run.
   */
  static ImageService localImages(Path cacheDir, Duration timeout, Bergenholm sources) {
    return new ImageService(
        new ImageSettings(
            cacheDir,
            1L << 30,
            timeout,
            Duration.ofMinutes(5),
            Set.of(),
            SourcePolicy.LOCAL_UPSTREAMS),
        sources::imageSource);
  }

  Bergenholm engine() {
    return engine;
  }

  /** Gives host {@code hostId} the parameters that make the engine resolve {@code target}. */
  void target(String hostId, ImageTarget target) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put(target.parameter(), target.url().toString());
    target.proxy().ifPresent(p -> params.put("proxy_url", p.toString()));
    target.sha256().ifPresent(d -> params.put(target.parameter() + "_sha256", d));
    if (engine.host(hostId).isPresent()) {
      engine.replaceHost(hostId, Params.of(params), Optional.empty());
    } else {
      engine.createHost(hostId, Params.of(params));
    }
  }

  URI uri(String hostId) {
    return URI.create(scheme + "://127.0.0.1:" + port() + "/ipxe/kernel/" + hostId);
  }

  int port() {
    return server.bootAddress().getPort();
  }

  HttpServer server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
    metrics.close();
    engine.close();
  }
}
