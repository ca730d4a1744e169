package io.bergenholm.server;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.BootCredentials;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.dhcp.ProxyDhcpServer;
import io.bergenholm.netboot.grub.GrubFiles;
import io.bergenholm.netboot.grub.SecureBootPolicy;
import io.bergenholm.netboot.http.AccessTokens;
import io.bergenholm.netboot.http.BootAccess;
import io.bergenholm.netboot.http.BootFiles;
import io.bergenholm.netboot.http.ChainScript;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.HttpSettings;
import io.bergenholm.netboot.http.ImageOpenLimits;
import io.bergenholm.netboot.http.Limits;
import io.bergenholm.netboot.http.Listener;
import io.bergenholm.netboot.http.RegistrationGate;
import io.bergenholm.netboot.http.ServerMetrics;
import io.bergenholm.netboot.http.TlsFiles;
import io.bergenholm.netboot.http.TransportLimits;
import io.bergenholm.netboot.tftp.TftpRoot;
import io.bergenholm.netboot.tftp.TftpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bergenholm serve}: the server, from flags and/or a config file (flags win). Without a
 * store it serves a writable copy of the sample data.
 *
 * <p>The config file is Java properties whose keys are the long flag names without dashes in front
 * ({@code store}, {@code http}, {@code management}, {@code tokens}, {@code tls-cert} …), plus
 * {@code engine.KEY=VALUE} lines handed to the engine as its settings. Any other key is refused,
 * with the nearest valid one ({@link ConfigFile}). Transport bounds and the boot-side compatibility
 * settings are keys of the file only (see docs/security.md): {@code max-connections}, {@code
 * max-connections-per-address}, {@code request-read-timeout}, {@code max-pipelined}, {@code
 * max-pipelined-bytes}, {@code linger-bytes}, {@code linger-seconds}, {@code register-per-minute},
 * {@code register-burst}, {@code max-unassigned-hosts}, {@code image-open-threads}, {@code
 * image-open-queue}, {@code boot.open_installed}, {@code boot.open_template_reads}.
 */
@Command(
    name = "serve",
    description = "Run the server (REST API, iPXE endpoints; TFTP and proxyDHCP on request).",
    sortOptions = false)
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with the settings below.")
  Path config;

  @Option(
      names = "--store",
      paramLabel = "LOC",
      description =
          "Parameter store: file:DIR, mongodb://..., memory: (default: the sample data in --data-dir).")
  String store;

  @Option(
      names = "--init",
      description =
          "Create the --store directory (an empty file: store) if it does not exist; without it a"
              + " missing directory is an error.")
  Boolean init;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where the sample data is copied and served from when no --store is given"
              + " (default: $XDG_DATA_HOME/bergenholm/sample).")
  Path dataDir;

  @Option(
      names = "--http",
      paramLabel = "ADDR:PORT",
      description = "Boot side listener (default 127.0.0.1:8080).")
  String http;

  @Option(
      names = "--management",
      paramLabel = "ADDR:PORT",
      description = "Serve the management API on its own listener (default: on --http).")
  String management;

  @Option(
      names = "--tokens",
      paramLabel = "FILE",
      description =
          "Bearer tokens for the management API, lines of 'rw TOKEN' or 'ro TOKEN' (default: open).")
  Path tokens;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Certificate chain for --http (RSA for iPXE).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PKCS#8) for --http.")
  Path tlsKey;

  @Option(
      names = "--management-tls-cert",
      paramLabel = "PEM",
      description = "Certificate chain for --management.")
  Path managementTlsCert;

  @Option(
      names = "--management-tls-key",
      paramLabel = "PEM",
      description = "Private key for --management.")
  Path managementTlsKey;

  @Option(
      names = "--plugins",
      paramLabel = "DIR",
      description =
          "Load plugins from DIR: each NAME.jar, or each NAME/ folder of jars, with its own class loader.")
  Path plugins;

  @Option(
      names = "--tftp",
      paramLabel = "ADDR:PORT",
      description = "Also serve TFTP (iPXE binaries, boot.ipxe).")
  String tftp;

  @Option(
      names = "--tftp-root",
      paramLabel = "DIR",
      description = "TFTP root (default /usr/lib/ipxe).")
  Path tftpRoot;

  @Option(
      names = "--proxy-dhcp",
      paramLabel = "ADDR",
      description = "Also answer PXE clients as proxyDHCP on ADDR.")
  String proxyDhcp;

  @Option(
      names = "--bios-boot-file",
      paramLabel = "NAME",
      description = "Boot file the proxyDHCP offers BIOS PXE clients (default undionly.kpxe).")
  String biosBootFile;

  @Option(
      names = "--uefi-boot-file",
      paramLabel = "NAME",
      description = "Boot file for x86-64 UEFI PXE clients (default ipxe.efi).")
  String uefiBootFile;

  @Option(
      names = "--http-boot-file",
      paramLabel = "NAME|URL",
      description =
          "What UEFI HTTP Boot clients load: a file of --tftp-root served as BOOT_URL/ipxe/NAME, or a URL"
              + " (default: the --uefi-boot-file).")
  String httpBootFile;

  @Option(
      names = "--arm64-boot-file",
      paramLabel = "NAME",
      description = "Boot file for arm64 UEFI PXE clients (default ipxe-arm64.efi).")
  String arm64BootFile;

  @Option(
      names = "--secure-boot-file",
      paramLabel = "NAME",
      description =
          "Boot file for hosts with secure_boot=true: shim, with the signed network GRUB beside it as"
              + " grubx64.efi (default shimx64.efi).")
  String secureBootFile;

  @Option(
      names = "--boot-url",
      paramLabel = "URL",
      description =
          "Base URL machines reach the boot side on, for boot.ipxe and proxyDHCP (default: from --http).")
  String bootUrlOption;

  @Option(
      names = "--max-body",
      paramLabel = "BYTES",
      description = "Largest request body (default 1048576).")
  Integer maxBody;

  @Option(
      names = "--max-header",
      paramLabel = "BYTES",
      description = "Largest request header block (default 16384).")
  Integer maxHeader;

  @Option(
      names = "--max-json-depth",
      paramLabel = "N",
      description = "Deepest JSON body (default 32).")
  Integer maxJsonDepth;

  @Option(
      names = "--max-params",
      paramLabel = "N",
      description = "Most query or body parameters (default 1000).")
  Integer maxParams;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Threads for store, render and power calls.")
  Integer workers;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "Log level: trace, debug, info (default), warn, error, off.")
  String logLevel;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description = "Log lines as text (default) or json.")
  String logFormat;

  @Option(
      names = "--boot-access-log",
      paramLabel = "LEVEL",
      description =
          "info: one log line per boot-side request; off (default): none. Management requests are always logged.")
  String bootAccessLog;

  @Option(
      names = {"-E", "--engine"},
      paramLabel = "KEY=VALUE",
      description = "An engine setting (repeatable).")
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

    /** Whether HTTP runs on epoll (else the JDK's NIO). */
    boolean nativeTransport() {
      return http.nativeTransport();
    }

    /** Where TFTP listens, if it was asked for. */
    Optional<InetSocketAddress> tftpAddress() {
      return others.stream()
          .filter(TftpServer.class::isInstance)
          .map(t -> ((TftpServer) t).localAddress())
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
      Logging.configure(
          Optional.ofNullable(pick(logLevel, file, "log-level")).orElse("info"),
          Optional.ofNullable(pick(logFormat, file, "log-format")).orElse("text"),
          Optional.ofNullable(pick(bootAccessLog, file, "boot-access-log")).orElse("off"));
      running = start();
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("bergenholm serve: " + e.getMessage());
      return Main.START_FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running.close();
                  stopped.countDown();
                },
                "bergenholm-shutdown"));
    InetSocketAddress a = running.bootAddress();
    spec.commandLine()
        .getOut()
        .printf(
            "Bergenholm serving http%s://%s:%d/ from %s%n",
            tlsCert != null ? "s" : "",
            a.getAddress().getHostAddress(),
            a.getPort(),
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
    Path secretFile = SampleData.defaultFolder().resolveSibling("boot-secret");
    if (storeLocation == null) {
      Path dir =
          Optional.ofNullable(dataDir)
              .or(() -> Optional.ofNullable(file.getProperty("data-dir")).map(Path::of))
              .orElseGet(SampleData::defaultFolder)
              .toAbsolutePath();
      secretFile = dir.resolveSibling("boot-secret");
      if (SampleData.install(dir)) {
        log.info("copied the sample data to {}", dir);
      }
      storeLocation = "file:" + dir;
    } else {
      storeLocation =
          StoreLocation.check(
              storeLocation,
              init != null
                  ? init
                  : Boolean.parseBoolean(file.getProperty("init", "false").strip()));
    }
    Map<String, String> engineConfig = new LinkedHashMap<>();
    file.stringPropertyNames().stream()
        .filter(k -> k.startsWith("engine."))
        .sorted()
        .forEach(k -> engineConfig.put(k.substring("engine.".length()), file.getProperty(k)));
    engineConfig.putAll(engineSettings);
    engineConfig.put("store", storeLocation);
    if (!engineConfig.containsKey(BootCredentials.SECRET)
        && !engineConfig.containsKey(BootCredentials.SECRET_FILE)
        && !storeLocation.startsWith("memory:")) {
      // Survives restarts; replicas sharing a store must be given the same file (see
      // docs/security.md).
      engineConfig.put(BootCredentials.SECRET_FILE, secretFile.toString());
    }

    HttpSettings settings = httpSettings(file);
    Optional<String> tftpAt = Optional.ofNullable(pick(tftp, file, "tftp"));
    Optional<String> dhcpAt = Optional.ofNullable(pick(proxyDhcp, file, "proxy-dhcp"));

    Bergenholm.Builder builder = Bergenholm.builder().config(engineConfig);
    Optional.ofNullable(pick(plugins == null ? null : plugins.toString(), file, "plugins"))
        .map(Path::of)
        .map(ServeCommand::pluginFolder)
        .ifPresent(builder::pluginFolder);
    Bergenholm engine = builder.build();
    List<AutoCloseable> started = new ArrayList<>();
    try {
      ImageService images = ImageService.forEngine(engine, engineConfig);
      started.add(images);
      ImageOpenLimits opens =
          new ImageOpenLimits(
              integer(null, file, "image-open-threads", ImageOpenLimits.DEFAULT_THREADS),
              integer(null, file, "image-open-queue", ImageOpenLimits.DEFAULT_QUEUE));
      ServerMetrics metrics = ServerMetrics.forEngine(engine).withImages(images);
      started.add(metrics);
      BootFileNames bootFiles =
          BootFileNames.from(
              biosBootFile, uefiBootFile, httpBootFile, arm64BootFile, secureBootFile, file);
      Path root =
          Optional.ofNullable(path(tftpRoot, file, "tftp-root")).orElse(Path.of("/usr/lib/ipxe"));
      HttpServer server =
          HttpServer.start(
              engine,
              settings,
              Optional.of(images),
              opens,
              metrics,
              Files.isDirectory(root)
                  ? BootFiles.of(new TftpRoot(root), bootFiles.servedOverHttp())
                  : BootFiles.none());
      try {
        String bootUrl = bootUrl(file, settings, server.bootAddress(), dhcpAt);
        if (tftpAt.isPresent()) {
          GrubFiles grub =
              new GrubFiles(
                  engine,
                  Optional.of(images),
                  64,
                  new RegistrationGate(engine, settings.transport()));
          started.add(0, grub);
          started.add(0, startTftp(tftpAt.get(), file, bootUrl, engine, grub));
        }
        if (dhcpAt.isPresent()) {
          started.add(0, startProxyDhcp(dhcpAt.get(), tftpAt, bootUrl, bootFiles, engine));
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
  private String bootUrl(
      Properties file, HttpSettings settings, InetSocketAddress http, Optional<String> dhcpAt) {
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

  private TftpServer startTftp(
      String at, Properties file, String bootUrl, Bergenholm engine, GrubFiles grub) {
    Path root =
        Optional.ofNullable(path(tftpRoot, file, "tftp-root")).orElse(Path.of("/usr/lib/ipxe"));
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException(
          "--tftp-root "
              + root
              + " is not a directory (Debian's ipxe package"
              + " puts the iPXE binaries in /usr/lib/ipxe)");
    }
    byte[] chain =
        ChainScript.forBaseUrl(bootUrl).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    TftpServer tftpServer =
        TftpServer.builder()
            .bind(Addresses.parse("--tftp", at))
            .root(root)
            .virtualFile("boot.ipxe", () -> chain)
            .provider(grub)
            .events(engine.events())
            .build();
    tftpServer.start();
    log.info(
        "TFTP on {} serving {}, boot.ipxe (chains to {}), {} and bergenholm/ (GRUB configs, registration,"
            + " images)",
        tftpServer.localAddress(),
        root,
        bootUrl,
        GrubFiles.GENERIC_CONFIG);
    return tftpServer;
  }

  private static ProxyDhcpServer startProxyDhcp(
      String at, Optional<String> tftpAt, String bootUrl, BootFileNames files, Bergenholm engine) {
    java.net.InetAddress address = Addresses.parse("--proxy-dhcp", at + ":0").getAddress();
    java.net.InetAddress nextServer =
        tftpAt
            .map(t -> Addresses.parse("--tftp", t).getAddress())
            .filter(a -> !a.isAnyLocalAddress())
            .orElse(address);
    String httpBootUrl = files.httpBootUrl(bootUrl);
    ProxyDhcpServer dhcp =
        ProxyDhcpServer.builder()
            .bindAddress(address)
            .bootServer(nextServer)
            .chainUrl(bootUrl + "/ipxe/boot.ipxe")
            .biosBootFile(files.bios())
            .uefiBootFile(files.uefi())
            .arm64BootFile(files.arm64())
            .httpBootUrl(httpBootUrl)
            .hostBootFile(new SecureBootPolicy(engine, files.secureBoot()))
            .events(engine.events())
            .build();
    dhcp.start();
    log.info(
        "proxyDHCP on {} (next-server {}, iPXE chains to {}/ipxe/boot.ipxe; boot files: BIOS {}, UEFI {},"
            + " HTTP Boot {}, arm64 {}, Secure Boot {})",
        address.getHostAddress(),
        nextServer.getHostAddress(),
        bootUrl,
        files.bios(),
        files.uefi(),
        httpBootUrl,
        files.arm64(),
        files.secureBoot());
    return dhcp;
  }

  private HttpSettings httpSettings(Properties file) {
    String httpAt = Optional.ofNullable(pick(http, file, "http")).orElse("127.0.0.1:8080");
    HttpSettings s =
        HttpSettings.of(Addresses.parse("--http", httpAt))
            .withBoot(
                listener(
                    "--http",
                    httpAt,
                    path(tlsCert, file, "tls-cert"),
                    path(tlsKey, file, "tls-key")));
    String mgmt = pick(management, file, "management");
    if (mgmt != null) {
      s =
          s.withManagement(
              listener(
                  "--management",
                  mgmt,
                  path(managementTlsCert, file, "management-tls-cert"),
                  path(managementTlsKey, file, "management-tls-key")));
    }
    Path tokenFile = path(tokens, file, "tokens");
    if (tokenFile != null) {
      s = s.withTokens(AccessTokens.read(tokenFile));
    }
    Limits d = Limits.defaults();
    s =
        s.withLimits(
            new Limits(
                integer(maxBody, file, "max-body", d.maxBodyBytes()),
                integer(maxHeader, file, "max-header", d.maxHeaderBytes()),
                d.maxInitialLineBytes(),
                integer(maxJsonDepth, file, "max-json-depth", d.maxJsonDepth()),
                integer(maxParams, file, "max-params", d.maxParameters())));
    TransportLimits t = TransportLimits.defaults();
    s =
        s.withTransport(
            t.withConnections(
                    integer(null, file, "max-connections", t.maxConnections()),
                    integer(
                        null, file, "max-connections-per-address", t.maxConnectionsPerAddress()))
                .withRequestReadTimeout(
                    java.time.Duration.ofSeconds(
                        integer(
                            null,
                            file,
                            "request-read-timeout",
                            (int) t.requestReadTimeout().toSeconds())))
                .withPipelining(
                    integer(null, file, "max-pipelined", t.maxPipelined()),
                    integer(null, file, "max-pipelined-bytes", t.maxPipelinedBytes()))
                .withLinger(
                    integer(null, file, "linger-bytes", (int) t.lingerBytes()),
                    java.time.Duration.ofSeconds(
                        integer(null, file, "linger-seconds", (int) t.lingerTime().toSeconds())))
                .withRegistrations(
                    integer(null, file, "register-per-minute", t.registrationsPerMinute()),
                    integer(null, file, "register-burst", t.registrationBurst()),
                    integer(null, file, "max-unassigned-hosts", t.maxUnassignedHosts())));
    s =
        s.withBootAccess(
            new BootAccess(
                bool(file, "boot.open_installed"), bool(file, "boot.open_template_reads")));
    // Linux's epoll unless turned off (it is used only where Netty's native library loads).
    s =
        s.withNativeTransport(
            file.getProperty("native-transport") == null || bool(file, "native-transport"));
    int threads = integer(workers, file, "workers", s.workerThreads());
    return s.withWorkers(threads, s.workQueue());
  }

  private static Listener listener(String option, String address, Path cert, Path key) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(option + ": TLS needs both a certificate and a key");
    }
    return new Listener(
        Addresses.parse(option, address),
        cert == null ? Optional.empty() : Optional.of(new TlsFiles(cert, key)));
  }

  private Properties loadConfig() {
    return config == null ? new Properties() : ConfigFile.load(config, configKeys());
  }

  /**
   * Keys of the config file that have no flag: transport bounds, the HTTP transport, and boot-side
   * compatibility settings.
   */
  private static final Set<String> FILE_ONLY_KEYS =
      Set.of(
          "max-connections",
          "max-connections-per-address",
          "request-read-timeout",
          "max-pipelined",
          "max-pipelined-bytes",
          "linger-bytes",
          "linger-seconds",
          "register-per-minute",
          "register-burst",
          "max-unassigned-hosts",
          "image-open-threads",
          "image-open-queue",
          "native-transport",
          "boot.open_installed",
          "boot.open_template_reads");

  /**
   * The keys a config file may set: this command's long flag names without the dashes, and {@link
   * #FILE_ONLY_KEYS}.
   */
  private Set<String> configKeys() {
    Set<String> keys = new TreeSet<>(FILE_ONLY_KEYS);
    for (OptionSpec o : spec.options()) {
      if (o.inherited() || o.usageHelp() || o.versionHelp() || !o.longestName().startsWith("--")) {
        continue;
      }
      keys.add(o.longestName().substring(2));
    }
    keys.remove("config");
    keys.remove("engine");
    return keys;
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
      throw new IllegalArgumentException(
          "config '" + key + "' must be a number, found '" + v + "'");
    }
  }

  private static boolean bool(Properties file, String key) {
    String v = file.getProperty(key);
    if (v == null) {
      return false;
    }
    return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default ->
          throw new IllegalArgumentException(
              "config '" + key + "' must be true or false, found '" + v + "'");
    };
  }

  private static Path pluginFolder(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--plugins " + dir + " is not a directory");
    }
    return dir;
  }
}
