package io.bergenholm.server;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.dhcp.ProxyDhcpServer;
import io.bergenholm.netboot.http.AccessTokens;
import io.bergenholm.netboot.http.ChainScript;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.ServerMetrics;
import io.bergenholm.netboot.http.HttpSettings;
import io.bergenholm.netboot.http.image.NettyImageRoute;
import io.bergenholm.netboot.tftp.TftpServer;
import io.bergenholm.netboot.http.Limits;
import io.bergenholm.netboot.http.Listener;
import io.bergenholm.netboot.http.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bergenholm serve}: the server, from flags and/or a config file (flags win). Without a
 * store it serves a writable copy of the sample data.
 *
 * <p>The config file is Java properties whose keys are the long flag names without dashes in front
 * ({@code store}, {@code http}, {@code management}, {@code tokens}, {@code tls-cert} …), plus
 * {@code engine.KEY=VALUE} lines handed to the engine as its settings.
 */
@Command(name = "serve", description = "Run the server (REST API, iPXE endpoints; TFTP and proxyDHCP on request).",
    sortOptions = false)
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Properties file with the settings below.")
  Path config;

  @Option(names = "--store", paramLabel = "LOC",
      description = "Parameter store: file:DIR, mongodb://..., memory: (default: the sample data in --data-dir).")
  String store;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the sample data is copied and served from when no --store is given"
          + " (default: $XDG_DATA_HOME/bergenholm/sample).")
  Path dataDir;

  @Option(names = "--http", paramLabel = "ADDR:PORT", description = "Boot side listener (default 127.0.0.1:8080).")
  String http;

  @Option(names = "--management", paramLabel = "ADDR:PORT",
      description = "Serve the management API on its own listener (default: on --http).")
  String management;

  @Option(names = "--tokens", paramLabel = "FILE",
      description = "Bearer tokens for the management API, lines of 'rw TOKEN' or 'ro TOKEN' (default: open).")
  Path tokens;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for --http (RSA for iPXE).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PKCS#8) for --http.")
  Path tlsKey;

  @Option(names = "--management-tls-cert", paramLabel = "PEM", description = "Certificate chain for --management.")
  Path managementTlsCert;

  @Option(names = "--management-tls-key", paramLabel = "PEM", description = "Private key for --management.")
  Path managementTlsKey;

  @Option(names = "--plugins", paramLabel = "DIR", description = "Load plugin jars from DIR.")
  Path plugins;

  @Option(names = "--tftp", paramLabel = "ADDR:PORT", description = "Also serve TFTP (iPXE binaries, boot.ipxe).")
  String tftp;

  @Option(names = "--tftp-root", paramLabel = "DIR", description = "TFTP root (default /usr/lib/ipxe).")
  Path tftpRoot;

  @Option(names = "--proxy-dhcp", paramLabel = "ADDR", description = "Also answer PXE clients as proxyDHCP on ADDR.")
  String proxyDhcp;

  @Option(names = "--boot-url", paramLabel = "URL",
      description = "Base URL machines reach the boot side on, for boot.ipxe and proxyDHCP (default: from --http).")
  String bootUrlOption;

  @Option(names = "--max-body", paramLabel = "BYTES", description = "Largest request body (default 1048576).")
  Integer maxBody;

  @Option(names = "--max-header", paramLabel = "BYTES", description = "Largest request header block (default 16384).")
  Integer maxHeader;

  @Option(names = "--max-json-depth", paramLabel = "N", description = "Deepest JSON body (default 32).")
  Integer maxJsonDepth;

  @Option(names = "--max-params", paramLabel = "N", description = "Most query or body parameters (default 1000).")
  Integer maxParams;

  @Option(names = "--workers", paramLabel = "N", description = "Threads for store, render and power calls.")
  Integer workers;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "Log level: trace, debug, info (default), warn, error, off.")
  String logLevel;

  @Option(names = "--log-format", paramLabel = "FORMAT", description = "Log lines as text (default) or json.")
  String logFormat;

  @Option(names = "--boot-access-log", paramLabel = "LEVEL",
      description = "info: one log line per boot-side request; off (default): none. Management requests are always logged.")
  String bootAccessLog;

  @Option(names = {"-E", "--engine"}, paramLabel = "KEY=VALUE", description = "An engine setting (repeatable).")
  Map<String, String> engineSettings = new LinkedHashMap<>();

  /** A started server; {@link #close()} stops everything it started. */
  static final class Running implements AutoCloseable {
    private final Bergenholm engine;
    private final HttpServer http;
    private final List<AutoCloseable> others;
    private final String store;

    Running(Bergenholm engine, HttpServer http, List<AutoCloseable> others, String store) {
      this.engine = engine;
      this.http = http;
      this.others = others;
      this.store = store;
    }

    /** The engine (its events, for tests that wait for them). */
    Bergenholm engine() {
      return engine;
    }

    InetSocketAddress bootAddress() {
      return http.bootAddress();
    }

    Optional<InetSocketAddress> managementAddress() {
      return http.managementAddress();
    }

    String store() {
      return store;
    }

    /** Where TFTP listens, if it was asked for. */
    Optional<InetSocketAddress> tftpAddress() {
      return others.stream().filter(TftpServer.class::isInstance).map(t -> ((TftpServer) t).localAddress())
          .findFirst();
    }

    /** Stops the listeners first, then what they used, in order. */
    @Override
    public void close() {
      http.close();
      closeAll(others);
      engine.close();
    }

    static void closeAll(List<AutoCloseable> closeables) {
      for (AutoCloseable c : closeables) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing {} failed", c, e);
        }
      }
    }
  }

  @Override
  public Integer call() {
    Running running;
    try {
      Properties file = loadConfig();
      Logging.configure(Optional.ofNullable(pick(logLevel, file, "log-level")).orElse("info"),
          Optional.ofNullable(pick(logFormat, file, "log-format")).orElse("text"),
          Optional.ofNullable(pick(bootAccessLog, file, "boot-access-log")).orElse("off"));
      running = start();
    } catch (IllegalArgumentException | UncheckedIOException | IllegalStateException e) {
      spec.commandLine().getErr().println("bergenholm serve: " + e.getMessage());
      return Main.START_FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "bergenholm-shutdown"));
    InetSocketAddress a = running.bootAddress();
    spec.commandLine().getOut().printf("Bergenholm serving http%s://%s:%d/ from %s%n",
        tlsCert != null ? "s" : "", a.getAddress().getHostAddress(), a.getPort(),
        io.bergenholm.engine.Bergenholm.maskedLocation(running.store()));
    spec.commandLine().getOut().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Main.OK;
  }

  /** Starts everything the settings ask for. @throws IllegalArgumentException for a bad setting */
  Running start() {
    Properties file = loadConfig();
    String storeLocation = pick(store, file, "store");
    if (storeLocation == null) {
      Path dir = Optional.ofNullable(dataDir).or(() -> Optional.ofNullable(file.getProperty("data-dir")).map(Path::of))
          .orElseGet(SampleData::defaultFolder).toAbsolutePath();
      if (SampleData.install(dir)) {
        log.info("copied the sample data to {}", dir);
      }
      storeLocation = "file:" + dir;
    }
    Map<String, String> engineConfig = new LinkedHashMap<>();
    file.stringPropertyNames().stream().filter(k -> k.startsWith("engine.")).sorted()
        .forEach(k -> engineConfig.put(k.substring("engine.".length()), file.getProperty(k)));
    engineConfig.putAll(engineSettings);
    engineConfig.put("store", storeLocation);

    HttpSettings settings = httpSettings(file);
    Optional<String> tftpAt = Optional.ofNullable(pick(tftp, file, "tftp"));
    Optional<String> dhcpAt = Optional.ofNullable(pick(proxyDhcp, file, "proxy-dhcp"));

    Bergenholm.Builder builder = Bergenholm.builder().config(engineConfig);
    Optional.ofNullable(pick(plugins == null ? null : plugins.toString(), file, "plugins"))
        .map(Path::of).map(ServeCommand::pluginLoader).ifPresent(builder::pluginClassLoader);
    Bergenholm engine = builder.build();
    List<AutoCloseable> started = new ArrayList<>();
    try {
      ImageService images = ImageService.forEngine(engine, engineConfig);
      started.add(images);
      NettyImageRoute imageRoute = new NettyImageRoute(images, engine.events());
      started.add(0, imageRoute);
      ServerMetrics metrics = ServerMetrics.forEngine(engine).withImages(images);
      started.add(metrics);
      HttpServer server = HttpServer.start(engine, settings, imageRoute, metrics);
      try {
        String bootUrl = bootUrl(file, settings, server.bootAddress(), dhcpAt);
        if (tftpAt.isPresent()) {
          started.add(0, startTftp(tftpAt.get(), file, bootUrl, engine));
        }
        if (dhcpAt.isPresent()) {
          started.add(0, startProxyDhcp(dhcpAt.get(), tftpAt, bootUrl, engine));
        }
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return new Running(engine, server, started, storeLocation);
    } catch (RuntimeException e) {
      Running.closeAll(started);
      engine.close();
      throw e;
    }
  }

  /**
   * The URL machines reach the boot side on: {@code --boot-url}, else the HTTP listener's address,
   * else (listening on every address) the proxyDHCP address with the HTTP port.
   */
  private String bootUrl(Properties file, HttpSettings settings, InetSocketAddress http, Optional<String> dhcpAt) {
    String explicit = pick(bootUrlOption, file, "boot-url");
    if (explicit != null) {
      return explicit.endsWith("/") ? explicit.substring(0, explicit.length() - 1) : explicit;
    }
    String scheme = settings.boot().tls().isPresent() ? "https" : "http";
    java.net.InetAddress address = http.getAddress();
    if (address.isAnyLocalAddress()) {
      if (dhcpAt.isEmpty()) {
        return scheme + "://127.0.0.1:" + http.getPort();
      }
      address = Addresses.parse("--proxy-dhcp", dhcpAt.get() + ":0").getAddress();
    }
    String host = address.getHostAddress();
    return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.getPort();
  }

  private TftpServer startTftp(String at, Properties file, String bootUrl, Bergenholm engine) {
    Path root = Optional.ofNullable(path(tftpRoot, file, "tftp-root")).orElse(Path.of("/usr/lib/ipxe"));
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("--tftp-root " + root + " is not a directory (Debian's ipxe package"
          + " puts the iPXE binaries in /usr/lib/ipxe)");
    }
    byte[] chain = ChainScript.forBaseUrl(bootUrl).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    TftpServer tftpServer = TftpServer.builder().bind(Addresses.parse("--tftp", at)).root(root)
        .virtualFile("boot.ipxe", () -> chain).events(engine.events()).build();
    tftpServer.start();
    log.info("TFTP on {} serving {} and boot.ipxe (chains to {})", tftpServer.localAddress(), root, bootUrl);
    return tftpServer;
  }

  private static ProxyDhcpServer startProxyDhcp(String at, Optional<String> tftpAt, String bootUrl, Bergenholm engine) {
    java.net.InetAddress address = Addresses.parse("--proxy-dhcp", at + ":0").getAddress();
    java.net.InetAddress nextServer = tftpAt.map(t -> Addresses.parse("--tftp", t).getAddress())
        .filter(a -> !a.isAnyLocalAddress()).orElse(address);
    ProxyDhcpServer dhcp = ProxyDhcpServer.builder().bindAddress(address).bootServer(nextServer)
        .chainUrl(bootUrl + "/ipxe/boot.ipxe").events(engine.events()).build();
    dhcp.start();
    log.info("proxyDHCP on {} (next-server {}, iPXE chains to {}/ipxe/boot.ipxe)", address.getHostAddress(),
        nextServer.getHostAddress(), bootUrl);
    return dhcp;
  }

  private HttpSettings httpSettings(Properties file) {
    String httpAt = Optional.ofNullable(pick(http, file, "http")).orElse("127.0.0.1:8080");
    HttpSettings s = HttpSettings.of(Addresses.parse("--http", httpAt))
        .withBoot(listener("--http", httpAt, path(tlsCert, file, "tls-cert"), path(tlsKey, file, "tls-key")));
    String mgmt = pick(management, file, "management");
    if (mgmt != null) {
      s = s.withManagement(listener("--management", mgmt, path(managementTlsCert, file, "management-tls-cert"),
          path(managementTlsKey, file, "management-tls-key")));
    }
    Path tokenFile = path(tokens, file, "tokens");
    if (tokenFile != null) {
      s = s.withTokens(AccessTokens.read(tokenFile));
    }
    Limits d = Limits.defaults();
    s = s.withLimits(new Limits(
        integer(maxBody, file, "max-body", d.maxBodyBytes()),
        integer(maxHeader, file, "max-header", d.maxHeaderBytes()),
        d.maxInitialLineBytes(),
        integer(maxJsonDepth, file, "max-json-depth", d.maxJsonDepth()),
        integer(maxParams, file, "max-params", d.maxParameters())));
    int threads = integer(workers, file, "workers", s.workerThreads());
    return s.withWorkers(threads, s.workQueue());
  }

  private static Listener listener(String option, String address, Path cert, Path key) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(option + ": TLS needs both a certificate and a key");
    }
    return new Listener(Addresses.parse(option, address),
        cert == null ? Optional.empty() : Optional.of(new TlsFiles(cert, key)));
  }

  private Properties loadConfig() {
    Properties p = new Properties();
    if (config != null) {
      try (InputStream in = Files.newInputStream(config)) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config file " + config + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  private static String pick(String flag, Properties file, String key) {
    return flag != null ? flag : file.getProperty(key);
  }

  private static Path path(Path flag, Properties file, String key) {
    String v = pick(flag == null ? null : flag.toString(), file, key);
    return v == null ? null : Path.of(v);
  }

  private static int integer(Integer flag, Properties file, String key, int fallback) {
    if (flag != null) {
      return flag;
    }
    String v = file.getProperty(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("config '" + key + "' must be a number, found '" + v + "'");
    }
  }

  /** A class loader over every jar in {@code dir}, whose providers the engine's ServiceLoader finds. */
  static ClassLoader pluginLoader(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--plugins " + dir + " is not a directory");
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
        jars.add(jar.toUri().toURL());
        log.info("plugin jar {}", jar);
      }
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("bad plugin path in " + dir, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list plugins in " + dir + ": " + e.getMessage(), e);
    }
    return new URLClassLoader(jars.toArray(URL[]::new), ServeCommand.class.getClassLoader());
  }
}
