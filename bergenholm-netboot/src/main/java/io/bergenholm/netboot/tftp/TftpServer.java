package io.bergenholm.netboot.tftp;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.engine.event.BootEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only TFTP server (RFC 1350) with option negotiation (RFC 2347): {@code blksize} (RFC
 * 2348), {@code tsize} and {@code timeout} (RFC 2349) and {@code windowsize} (RFC 7440). Files come
 * from a root directory and from virtual files generated per request. Each transfer runs on its own
 * UDP port.
 *
 * <p>Log lines per transfer (logger {@code io.bergenholm.netboot.tftp}): peer, file, blksize,
 * windowsize, bytes, duration and retransmissions at INFO; refusals at INFO; aborted transfers at
 * WARN.
 *
 * <pre>{@code
 * TftpServer server = TftpServer.builder()
 *     .bind(new InetSocketAddress("192.0.2.1", 69))
 *     .root(Path.of("/usr/lib/ipxe"))
 *     .virtualFile("boot.ipxe", () -> script.getBytes(UTF_8))
 *     .build();
 * server.start();
 * }</pre>
 */
public final class TftpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TftpServer.class);

  private final Settings settings;
  private final Consumer<BootEvent> events;
  private final TftpFiles files;
  private final AtomicInteger activeTransfers = new AtomicInteger();
  private final AtomicLong unverifiedBytes = new AtomicLong();
  private EventLoopGroup group;
  private ExecutorService lookups;
  private Channel channel;

  /** Everything the builder collects; read by the request handler. */
  record Settings(
      InetSocketAddress bind,
      Duration retransmitTimeout,
      int maxRetries,
      int maxTransfers,
      int maxBlockSize,
      int maxWindowBytes,
      int threads,
      boolean nativeTransport,
      int maxUnverifiedRetries) {}

  private TftpServer(Builder b) {
    this.settings =
        new Settings(
            b.bind,
            b.retransmitTimeout,
            b.maxRetries,
            b.maxTransfers,
            b.maxBlockSize,
            b.maxWindowBytes,
            b.threads,
            b.nativeTransport,
            b.maxUnverifiedRetries);
    this.files = new TftpFiles(Optional.ofNullable(b.root), b.virtualFiles, b.providers);
    this.events = b.events;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the server port; throws {@link UncheckedIOException} if that fails. */
  public synchronized void start() {
    if (channel != null) {
      throw new IllegalStateException("TFTP server already started on " + localAddress());
    }
    // Lock-step TFTP is one wakeup per block, so the JDK selector's per-wakeup cost shows in the
    // throughput; Netty's native epoll transport is used where it loads, NIO everywhere else.
    boolean epoll = settings.nativeTransport() && Epoll.isAvailable();
    Class<? extends DatagramChannel> channelType =
        epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    group =
        new MultiThreadIoEventLoopGroup(
            settings.threads(),
            new DefaultThreadFactory("tftp", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    lookups =
        new ThreadPoolExecutor(
            1,
            4,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1024),
            new DefaultThreadFactory("tftp-lookup", true),
            new ThreadPoolExecutor.AbortPolicy());
    Bootstrap transfers = new Bootstrap().group(group).option(ChannelOption.SO_SNDBUF, 256 * 1024);
    if (settings.bind().getAddress() instanceof Inet4Address) {
      // Every peer of an IPv4 server is IPv4. A transfer socket of the IPv4 family sends through
      // the kernel's IPv4 path directly; a dual-stack IPv6 socket with a v4-mapped peer goes
      // through the IPv6 send path first and costs measurably more per lock-step block.
      transfers.channelFactory(
          () ->
              epoll
                  ? new EpollDatagramChannel(SocketProtocolFamily.INET)
                  : new NioDatagramChannel(SocketProtocolFamily.INET));
    } else {
      transfers.channel(channelType);
    }
    TftpRequestHandler handler =
        new TftpRequestHandler(
            settings, files, lookups, transfers, activeTransfers, unverifiedBytes, events);
    ChannelFuture bound =
        new Bootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.SO_RCVBUF, 1024 * 1024)
            .handler(handler)
            .bind(settings.bind())
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      close();
      String message = "cannot bind TFTP server to " + settings.bind() + ": " + cause.getMessage();
      throw new UncheckedIOException(new BindException(message));
    }
    channel = bound.channel();
    log.info("TFTP server on {} ({} transport)", channel.localAddress(), epoll ? "epoll" : "NIO");
  }

  /** The bound address (with the real port when the builder asked for port 0). */
  public InetSocketAddress localAddress() {
    Channel ch = channel;
    if (ch == null) {
      throw new IllegalStateException("TFTP server not started");
    }
    return (InetSocketAddress) ch.localAddress();
  }

  /** Transfers in progress right now. */
  public int activeTransfers() {
    return activeTransfers.get();
  }

  /**
   * Bytes sent, since start, to peers that had not yet answered: a read request's source address
   * may be spoofed, so this is what the server could have been made to send to a victim.
   */
  public long unverifiedBytesSent() {
    return unverifiedBytes.get();
  }

  /** Stops listening and ends every transfer in progress. */
  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
      channel = null;
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
      group = null;
    }
    if (lookups != null) {
      lookups.shutdownNow();
      lookups = null;
    }
  }

  public static final class Builder {
    private InetSocketAddress bind = new InetSocketAddress(69);
    private Path root;
    private final Map<String, Supplier<byte[]>> virtualFiles = new LinkedHashMap<>();
    private final List<TftpProvider> providers = new ArrayList<>();
    private Duration retransmitTimeout = Duration.ofSeconds(1);
    private int maxRetries = 5;
    private int maxUnverifiedRetries = 1;
    private int maxTransfers = 1000;
    private int maxBlockSize = TransferOptions.MAX_BLOCK_SIZE;
    private int maxWindowBytes = 64 * 1024;
    private int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
    private boolean nativeTransport = true;
    private Consumer<BootEvent> events = e -> {};

    private Builder() {}

    /**
     * Files made per request for the names {@code provider} knows, asked after the virtual files.
     */
    public Builder provider(TftpProvider provider) {
      providers.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /** Address and port to listen on; port 0 picks a free one. Default: every address, port 69. */
    public Builder bind(InetSocketAddress address) {
      this.bind = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Directory files are served from, read-only; names that leave it are refused. Optional. */
    public Builder root(Path directory) {
      this.root = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * A file whose content is produced for each request (on a worker thread, never an event loop).
     * It shadows a file of the same name under the root. A supplier that returns null answers "file
     * not found"; one that throws answers a TFTP error with its message.
     */
    public Builder virtualFile(String name, Supplier<byte[]> content) {
      virtualFiles.put(
          Objects.requireNonNull(name, "name"), Objects.requireNonNull(content, "content"));
      return this;
    }

    /**
     * Wait for an ACK before resending, unless the client negotiates {@code timeout}. Default 1 s.
     */
    public Builder retransmitTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("retransmit timeout must be positive: " + timeout);
      }
      this.retransmitTimeout = timeout;
      return this;
    }

    /** Resends of one window before the transfer is given up. Default 5. */
    public Builder maxRetries(int retries) {
      this.maxRetries = positive("maxRetries", retries);
      return this;
    }

    /**
     * Resends before the peer has ever answered (with an ACK or an ERROR). A read request's source
     * address can be forged, so until the peer shows it asked, the server sends the first packet
     * plus this many resends and then drops the transfer without an error packet: a 16-byte request
     * costs a victim at most (1 + this) first packets. Default 1.
     */
    public Builder maxUnverifiedRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("maxUnverifiedRetries must not be negative: " + retries);
      }
      this.maxUnverifiedRetries = retries;
      return this;
    }

    /** Concurrent transfers; requests beyond get a "server busy" error. Default 1000. */
    public Builder maxTransfers(int transfers) {
      this.maxTransfers = positive("maxTransfers", transfers);
      return this;
    }

    /** Largest {@code blksize} granted, 8 to 65464. Default 65464. */
    public Builder maxBlockSize(int bytes) {
      if (bytes < TransferOptions.MIN_BLOCK_SIZE || bytes > TransferOptions.MAX_BLOCK_SIZE) {
        throw new IllegalArgumentException("maxBlockSize must be 8..65464: " + bytes);
      }
      this.maxBlockSize = bytes;
      return this;
    }

    /**
     * Most bytes in one window ({@code windowsize} x {@code blksize}). A window bigger than the
     * client's socket receive buffer loses packets, so it is capped whatever the client asks.
     * Default 64 KiB.
     */
    public Builder maxWindowBytes(int bytes) {
      this.maxWindowBytes = positive("maxWindowBytes", bytes);
      return this;
    }

    /** Event loop threads. Default: the number of processors, at most 4. */
    public Builder threads(int threads) {
      this.threads = positive("threads", threads);
      return this;
    }

    /**
     * Use Netty's native epoll transport when it is available (default), or always the JDK's NIO.
     */
    public Builder nativeTransport(boolean enabled) {
      this.nativeTransport = enabled;
      return this;
    }

    /** Records a {@code tftp.transfer} event for every transfer that ends (default: none). */
    public Builder events(BootEvents recorder) {
      this.events = Objects.requireNonNull(recorder, "recorder")::record;
      return this;
    }

    public TftpServer build() {
      if (root != null && !Files.isDirectory(root)) {
        throw new IllegalArgumentException("TFTP root is not a directory: " + root);
      }
      return new TftpServer(this);
    }

    private static int positive(String what, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(what + " must be at least 1: " + value);
      }
      return value;
    }
  }
}
