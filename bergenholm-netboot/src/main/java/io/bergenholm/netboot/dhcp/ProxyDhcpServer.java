package io.bergenholm.netboot.dhcp;

import io.bergenholm.engine.event.BootEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A proxyDHCP server (PXE specification 2.1, RFC 4578): it tells PXE clients which boot file to
 * load and from where, and hands out no addresses, so it runs beside the site's DHCP server without
 * any change to it.
 *
 * <p>It listens on the DHCP port (67) and the PXE port (4011) of the configured address. A client
 * without an address broadcasts its DISCOVER, and Linux delivers broadcasts only to sockets bound
 * to the wildcard address, so port 67 is also bound on the wildcard address (with SO_REUSEADDR,
 * beside anything else bound there the same way). Answers leave from the configured address, which
 * sends a limited broadcast out of that address's interface.
 *
 * <pre>{@code
 * ProxyDhcpServer dhcp = ProxyDhcpServer.builder()
 *     .bindAddress(InetAddress.getByName("192.0.2.1"))
 *     .bootServer(InetAddress.getByName("192.0.2.1"))
 *     .chainUrl("http://192.0.2.1:8080/ipxe/boot.ipxe")
 *     .build();
 * dhcp.start();
 * }</pre>
 */
public final class ProxyDhcpServer implements AutoCloseable {

  private final Builder settings;
  private final ProxyDhcpHandler handler;
  private final ThreadPoolExecutor policyExecutor;
  private final List<Channel> channels = new ArrayList<>();
  private volatile Channel replyChannel;
  private EventLoopGroup group;

  private ProxyDhcpServer(Builder b) {
    this.settings = b;
    String chainTarget = b.chainUrl.orElse("boot.ipxe");
    Optional<String> httpBoot =
        b.httpBootUrl.or(
            () -> b.chainUrl.map(u -> URI.create(u).resolve(b.uefiBootFile).toString()));
    BootPolicy policy =
        new BootPolicy(
            chainTarget,
            b.biosBootFile,
            b.uefiBootFile,
            b.arm64BootFile,
            httpBoot,
            b.archOverrides,
            b.hostBootFile);
    this.policyExecutor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256),
            new DefaultThreadFactory("proxydhcp-policy", true),
            new ThreadPoolExecutor.AbortPolicy());
    this.handler =
        new ProxyDhcpHandler(
            policy,
            b.bindAddress,
            b.bootServer.orElse(b.bindAddress),
            b.clientPort,
            () -> replyChannel,
            policyExecutor);
    b.events.ifPresent(recorder -> handler.reportTo(recorder::record));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the DHCP and PXE ports; throws {@link UncheckedIOException} if that fails (port 67 needs
   * root or CAP_NET_BIND_SERVICE).
   */
  public synchronized void start() {
    if (group != null) {
      throw new IllegalStateException("proxyDHCP server already started");
    }
    group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("proxydhcp", true), NioIoHandler.newFactory());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BROADCAST, true)
            .handler(handler);
    InetAddress address = settings.bindAddress;
    Channel unicast = bind(bootstrap, new InetSocketAddress(address, settings.dhcpPort));
    int dhcpPort = ((InetSocketAddress) unicast.localAddress()).getPort();
    replyChannel = unicast;
    if (!address.isAnyLocalAddress()) {
      bind(bootstrap, new InetSocketAddress(dhcpPort));
    }
    bind(
        bootstrap.clone().attr(ProxyDhcpHandler.PXE_PORT, true),
        new InetSocketAddress(address, settings.pxePort));
  }

  private Channel bind(Bootstrap bootstrap, InetSocketAddress address) {
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      close();
      throw new UncheckedIOException(
          new BindException("cannot bind proxyDHCP to " + address + ": " + cause.getMessage()));
    }
    channels.add(bound.channel());
    return bound.channel();
  }

  /** The address the DHCP port is bound on (with the real port if the builder asked for 0). */
  public synchronized InetSocketAddress dhcpAddress() {
    requireStarted();
    return (InetSocketAddress) channels.get(0).localAddress();
  }

  /** The address the PXE port (4011) is bound on. */
  public synchronized InetSocketAddress pxeAddress() {
    requireStarted();
    return (InetSocketAddress) channels.get(channels.size() - 1).localAddress();
  }

  private void requireStarted() {
    if (channels.isEmpty()) {
      throw new IllegalStateException("proxyDHCP server not started");
    }
  }

  /**
   * Packets dropped because they were not DHCP at all (too short, no magic cookie, broken options).
   */
  public long malformedPackets() {
    return handler.malformed.get();
  }

  /**
   * DHCP packets not meant for a proxy: not from a PXE client, not a DISCOVER or PXE REQUEST, no
   * boot file for the architecture.
   */
  public long ignoredPackets() {
    return handler.ignored.get();
  }

  public long answeredPackets() {
    return handler.answered.get();
  }

  @Override
  public synchronized void close() {
    for (Channel channel : channels) {
      channel.close().awaitUninterruptibly();
    }
    channels.clear();
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
      group = null;
    }
    policyExecutor.shutdownNow();
  }

  public static final class Builder {
    private Optional<BootEvents> events = Optional.empty();
    private InetAddress bindAddress;
    private Optional<InetAddress> bootServer = Optional.empty();
    private Optional<String> chainUrl = Optional.empty();
    private Optional<String> httpBootUrl = Optional.empty();
    private String biosBootFile = "undionly.kpxe";
    private String uefiBootFile = "ipxe.efi";
    private String arm64BootFile = "ipxe-arm64.efi";
    private final Map<Integer, String> archOverrides = new HashMap<>();
    private Function<ClientIdentity, Optional<String>> hostBootFile = client -> Optional.empty();
    private int dhcpPort = 67;
    private int pxePort = 4011;
    private int clientPort = 68;

    private Builder() {}

    /** The IPv4 address to serve on; it is also the server identifier in answers. Required. */
    public Builder bindAddress(InetAddress address) {
      if (!(Objects.requireNonNull(address, "address") instanceof java.net.Inet4Address)) {
        throw new IllegalArgumentException("proxyDHCP needs an IPv4 address: " + address);
      }
      this.bindAddress = address;
      return this;
    }

    /** The TFTP server clients load the boot file from (next-server). Default: the bind address. */
    public Builder bootServer(InetAddress address) {
      this.bootServer = Optional.of(Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * What a client already running iPXE is sent instead of a binary, e.g. {@code
     * http://192.0.2.1:8080/ipxe/boot.ipxe}. Default: {@code boot.ipxe} from the boot server's
     * TFTP.
     */
    public Builder chainUrl(String url) {
      this.chainUrl = Optional.of(Objects.requireNonNull(url, "url"));
      return this;
    }

    /**
     * The EFI binary URL for UEFI HTTP-boot clients (vendor class HTTPClient). Default: the UEFI
     * boot file next to the chain URL.
     */
    public Builder httpBootUrl(String url) {
      this.httpBootUrl = Optional.of(Objects.requireNonNull(url, "url"));
      return this;
    }

    /** Boot file for BIOS PXE clients (architecture 0). Default {@code undionly.kpxe}. */
    public Builder biosBootFile(String file) {
      this.biosBootFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Boot file for x86-64 UEFI (architectures 7 and 9): {@code ipxe.efi} (default) or {@code
     * snponly.efi}.
     */
    public Builder uefiBootFile(String file) {
      this.uefiBootFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /** Boot file for ARM64 UEFI (architecture 11). Default {@code ipxe-arm64.efi}. */
    public Builder arm64BootFile(String file) {
      this.arm64BootFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * Boot files by option 93 architecture, replacing the built-in choice (and adding architectures
     * it lacks).
     */
    public Builder bootFileOverrides(Map<Integer, String> overrides) {
      this.archOverrides.putAll(Objects.requireNonNull(overrides, "overrides"));
      return this;
    }

    /**
     * A per-host boot file, consulted before the architecture table (but never for a client already
     * running iPXE). Empty means no override. For HTTP-boot clients it must be a URL. It runs on a
     * worker thread, not an event loop.
     */
    public Builder hostBootFile(Function<ClientIdentity, Optional<String>> override) {
      this.hostBootFile = Objects.requireNonNull(override, "override");
      return this;
    }

    /**
     * Ports for the DHCP server, PXE and client side: 67, 4011 and 68 unless testing. 0 picks free
     * server ports.
     */
    public Builder ports(int dhcp, int pxe, int client) {
      this.dhcpPort = dhcp;
      this.pxePort = pxe;
      this.clientPort = client;
      return this;
    }

    /** Records a {@code dhcp.offer} event for every offer and PXE answer sent (default: none). */
    public Builder events(BootEvents recorder) {
      this.events = Optional.of(recorder);
      return this;
    }

    public ProxyDhcpServer build() {
      if (bindAddress == null) {
        throw new IllegalStateException("proxyDHCP needs bindAddress(...)");
      }
      return new ProxyDhcpServer(this);
    }
  }
}
