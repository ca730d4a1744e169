package io.bergenholm.netboot.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How the HTTP server listens and what it accepts.
 *
 * @param boot the boot side: {@code /ipxe/...}, host-rendered templates, health; always open. When
 *     {@code management} is empty it serves the management API as well.
 * @param management a separate listener for the management API, if wanted
 * @param tokens bearer tokens for the management API; none means open
 * @param limits request size bounds
 * @param workerThreads threads that run store, render and power calls
 * @param workQueue requests that may wait for a worker before new ones get 503
 * @param idleTimeout how long a keep-alive connection may sit idle before it is closed
 * @param transport connection, request-time, pipelining and registration bounds
 * @param bootAccess who may mark hosts installed and read their rendered templates
 * @param nativeTransport serve through Linux's epoll where Netty's native transport loads, which
 *     lets an image body go out corked into full segments (as nginx's {@code tcp_nopush}); false,
 *     or where it does not load, through the JDK's NIO
 */
public record HttpSettings(
    Listener boot,
    Optional<Listener> management,
    AccessTokens tokens,
    Limits limits,
    int workerThreads,
    int workQueue,
    Duration idleTimeout,
    TransportLimits transport,
    BootAccess bootAccess,
    boolean nativeTransport) {
  public HttpSettings {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(bootAccess, "bootAccess");
    Objects.requireNonNull(boot, "boot");
    Objects.requireNonNull(management, "management");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (workerThreads <= 0 || workQueue <= 0) {
      throw new IllegalArgumentException("workerThreads and workQueue must be positive");
    }
  }

  public HttpSettings(
      Listener boot,
      Optional<Listener> management,
      AccessTokens tokens,
      Limits limits,
      int workerThreads,
      int workQueue,
      Duration idleTimeout) {
    this(
        boot,
        management,
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        TransportLimits.defaults(),
        BootAccess.secure(),
        true);
  }

  public HttpSettings withTransport(TransportLimits newTransport) {
    return copy(c -> c.transport = newTransport);
  }

  public HttpSettings withBootAccess(BootAccess newBootAccess) {
    return copy(c -> c.bootAccess = newBootAccess);
  }

  /** One plain listener on {@code address}, no tokens, default limits. */
  public static HttpSettings of(InetSocketAddress address) {
    return new HttpSettings(
        Listener.plain(address),
        Optional.empty(),
        AccessTokens.none(),
        Limits.defaults(),
        defaultWorkerThreads(),
        4096,
        Duration.ofMinutes(2));
  }

  public HttpSettings withManagement(Listener listener) {
    return copy(c -> c.management = Optional.of(listener));
  }

  public HttpSettings withBoot(Listener listener) {
    return copy(c -> c.boot = listener);
  }

  public HttpSettings withTokens(AccessTokens newTokens) {
    return copy(c -> c.tokens = newTokens);
  }

  public HttpSettings withLimits(Limits newLimits) {
    return copy(c -> c.limits = newLimits);
  }

  public HttpSettings withWorkers(int threads, int queue) {
    return copy(
        c -> {
          c.workerThreads = threads;
          c.workQueue = queue;
        });
  }

  /** The same settings, through epoll ({@code true}, where it loads) or the JDK's NIO. */
  public HttpSettings withNativeTransport(boolean enabled) {
    return copy(c -> c.nativeTransport = enabled);
  }

  /** These settings with what {@code change} sets on a copy of their components. */
  private HttpSettings copy(Consumer<Components> change) {
    Components c = new Components(this);
    change.accept(c);
    return new HttpSettings(
        c.boot,
        c.management,
        c.tokens,
        c.limits,
        c.workerThreads,
        c.workQueue,
        c.idleTimeout,
        c.transport,
        c.bootAccess,
        c.nativeTransport);
  }

  /** The components of one settings value, to change some of and build anew. */
  private static final class Components {
    Listener boot;
    Optional<Listener> management;
    AccessTokens tokens;
    Limits limits;
    int workerThreads;
    int workQueue;
    Duration idleTimeout;
    TransportLimits transport;
    BootAccess bootAccess;
    boolean nativeTransport;

    Components(HttpSettings s) {
      boot = s.boot;
      management = s.management;
      tokens = s.tokens;
      limits = s.limits;
      workerThreads = s.workerThreads;
      workQueue = s.workQueue;
      idleTimeout = s.idleTimeout;
      transport = s.transport;
      bootAccess = s.bootAccess;
      nativeTransport = s.nativeTransport;
    }
  }

  static int defaultWorkerThreads() {
    return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
  }
}
