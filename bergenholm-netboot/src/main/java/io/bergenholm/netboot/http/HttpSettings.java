package io.bergenholm.netboot.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
    return new HttpSettings(
        boot,
        management,
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        newTransport,
        bootAccess,
        nativeTransport);
  }

  public HttpSettings withBootAccess(BootAccess newBootAccess) {
    return new HttpSettings(
        boot,
        management,
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        newBootAccess,
        nativeTransport);
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
    return new HttpSettings(
        boot,
        Optional.of(listener),
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        bootAccess,
        nativeTransport);
  }

  public HttpSettings withBoot(Listener listener) {
    return new HttpSettings(
        listener,
        management,
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        bootAccess,
        nativeTransport);
  }

  public HttpSettings withTokens(AccessTokens newTokens) {
    return new HttpSettings(
        boot,
        management,
        newTokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        bootAccess,
        nativeTransport);
  }

  public HttpSettings withLimits(Limits newLimits) {
    return new HttpSettings(
        boot,
        management,
        tokens,
        newLimits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        bootAccess,
        nativeTransport);
  }

  public HttpSettings withWorkers(int threads, int queue) {
    return new HttpSettings(
        boot,
        management,
        tokens,
        limits,
        threads,
        queue,
        idleTimeout,
        transport,
        bootAccess,
        nativeTransport);
  }

  /** The same settings, through epoll ({@code true}, where it loads) or the JDK's NIO. */
  public HttpSettings withNativeTransport(boolean enabled) {
    return new HttpSettings(
        boot,
        management,
        tokens,
        limits,
        workerThreads,
        workQueue,
        idleTimeout,
        transport,
        bootAccess,
        enabled);
  }

  static int defaultWorkerThreads() {
    return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
  }
}
