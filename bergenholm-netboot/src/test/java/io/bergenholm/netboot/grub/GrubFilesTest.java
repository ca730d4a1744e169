package io.bergenholm.netboot.grub;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.engine.image.ImageSettings;
import io.bergenholm.engine.image.SourcePolicy;
import io.bergenholm.netboot.tftp.TftpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GRUB names over a real TFTP server, spoken to by curl (a real TFTP client), with a real
 * engine (memory store) and images streamed through a real {@link ImageService} from an HTTP
 * upstream on 127.0.0.1 that counts requests and can cut a body short.
 */
class GrubFilesTest {
  private static final String HOST = "0c1d2e3f-4a5b-4c6d-8e9f-000000000001";
  private static final String UNKNOWN = "0c1d2e3f-4a5b-4c6d-8e9f-0000000000ff";

  @TempDir Path cache;
  @TempDir Path out;
  private final Map<String, AtomicInteger> upstreamRequests = new ConcurrentHashMap<>();
  private final Map<String, Integer> cutAt = new ConcurrentHashMap<>();
  private volatile java.util.concurrent.CountDownLatch gate =
      new java.util.concurrent.CountDownLatch(0);
  private byte[] kernel;
  private byte[] initrd;
  private HttpServer upstream;
  private Bergenholm engine;
  private ImageService images;
  private GrubFiles grub;
  private TftpServer tftp;

  @BeforeEach
  void start() throws Exception {
    Random random = new Random(0x6b2bL);
    kernel = new byte[700_000];
    initrd = new byte[300_001];
    random.nextBytes(kernel);
    random.nextBytes(initrd);
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    upstream.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          upstreamRequests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
          byte[] body =
              path.endsWith("/vmlinuz") ? kernel : path.endsWith("/initrd.gz") ? initrd : null;
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream o = exchange.getResponseBody()) {
            Integer cut = cutAt.get(path);
            o.write(body, 0, cut == null ? body.length : cut);
          } catch (IOException e) {
            // a cut body: the server closes the connection short of the length it announced
          }
        });
    upstream.start();
    String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
    engine = Bergenholm.builder().config(Map.of("store", "memory:")).build();
    engine.createGroup("default", Params.of(Map.of("grub_config", "localboot.grub")));
    engine.createGroup(
        "register",
        Params.of(Map.of("groups", List.of("default"), "grub_config", "register.grub")));
    engine.createHost("register", Params.of(Map.of("groups", List.of("register"))));
    engine.createGroup(
        "install",
        Params.of(
            Map.of(
                "groups",
                List.of("default"),
                "kernel",
                base + "/good/vmlinuz",
                "module",
                base + "/good/initrd.gz",
                "kernel_opts",
                "console=ttyS0 e2e.host={{uuid}}",
                "grub_config",
                "linux.grub")));
    engine.createHost(HOST, Params.of(Map.of("groups", List.of("install"), "hostname", "n1")));
    engine.createTemplate(
        "linux.grub",
        "linux /bergenholm/kernel/{{uuid}} {{kernel_opts}}\ninitrd /bergenholm/initrd/{{uuid}}\nboot\n");
    engine.createTemplate("localboot.grub", "echo local {{uuid}}\nexit\n");
    engine.createTemplate("register.grub", "source /bergenholm/register/{{uuid}}\nexit\n");
    images =
        new ImageService(
            new ImageSettings(
                cache,
                1L << 30,
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                Set.of(),
                SourcePolicy.LOCAL_UPSTREAMS),
            engine::imageSource);
    grub = new GrubFiles(engine, Optional.of(images), 8);
    tftp =
        TftpServer.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .provider(grub)
            .build();
    tftp.start();
  }

  @AfterEach
  void stop() {
    tftp.close();
    grub.close();
    images.close();
    engine.close();
    upstream.stop(0);
  }

  /**
   * atftp, a real TFTP client that sends a name as it is given (curl would parse it as a URL): exit
   * code and bytes.
   */
  private record Got(int exit, byte[] body, String stderr) {}

  private Got get(String name) throws Exception {
    Path file = Files.createTempFile(out, "got", ".bin");
    Process p =
        new ProcessBuilder(
                "timeout",
                "60",
                "atftp",
                "--get",
                "-r",
                name,
                "-l",
                file.toString(),
                "--option",
                "blksize 1432",
                "--option",
                "tsize 0",
                "127.0.0.1",
                Integer.toString(tftp.localAddress().getPort()))
            .redirectErrorStream(true)
            .start();
    String stderr = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    return new Got(exit, Files.readAllBytes(file), stderr);
  }

  private String text(String name) throws Exception {
    Got got = get(name);
    assertThat(got.exit()).as("%s: %s", name, got.stderr()).isZero();
    return new String(got.body(), StandardCharsets.UTF_8);
  }

  @Test
  void theGenericConfigFindsTheMachineBySmbiosUuid() throws Exception {
    String cfg = text("grub/grub.cfg");
    assertThat(cfg)
        .contains("smbios --type 1 --get-uuid 8 --set uuid")
        .contains("configfile /bergenholm/grub/${uuid}.cfg")
        .contains("exit");
  }

  @Test
  void aKnownHostGetsItsTemplateRenderedAndAnyCaseOfItsUuidWorks() throws Exception {
    String expected =
        "linux /bergenholm/kernel/"
            + HOST
            + " console=ttyS0 e2e.host="
            + HOST
            + "\ninitrd /bergenholm/initrd/"
            + HOST
            + "\nboot\n";
    assertThat(text("bergenholm/grub/" + HOST + ".cfg")).isEqualTo(expected);
    assertThat(text("bergenholm/grub/" + HOST.toUpperCase() + ".cfg")).isEqualTo(expected);
  }

  @Test
  void theConfigCarriesABootCredentialIssuedToTheMachineThatFetchedIt() throws Exception {
    engine.replaceGroup(
        "install",
        engine
            .group("install")
            .orElseThrow()
            .value()
            .with("kernel_opts", "ks=http://192.0.2.1/ks/{{uuid}}?boot_token={{boot_token}}"),
        Optional.empty());
    String cfg = text("bergenholm/grub/" + HOST + ".cfg");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("boot_token=([0-9a-z]+\\.[0-9a-f]+\\.[A-Za-z0-9_-]{43})")
            .matcher(cfg);
    assertThat(m.find()).as(cfg).isTrue();
    assertThat(cfg).doesNotContain(engine.bootCredentials().placeholder());
    io.bergenholm.engine.BootCredentials c = engine.bootCredentials();
    assertThat(c.check(HOST, m.group(1), InetAddress.getLoopbackAddress()))
        .isEqualTo(io.bergenholm.engine.BootCredentials.Verdict.VALID);
    assertThat(c.check(HOST, m.group(1), InetAddress.getByName("192.0.2.9")))
        .isEqualTo(io.bergenholm.engine.BootCredentials.Verdict.OTHER_ADDRESS);
  }

  @Test
  void anInstalledHostGetsTheLocalBootConfig() throws Exception {
    engine.markInstalled(HOST, true);
    engine.createGroup("installed", Params.of(Map.of("grub_config", "localboot.grub")));
    assertThat(text("bergenholm/grub/" + HOST + ".cfg"))
        .isEqualTo("echo local " + HOST + "\nexit\n");
  }

  @Test
  void anUnknownMachineGetsTheRegisterConfigThenRegistersWithItsFacts() throws Exception {
    assertThat(text("bergenholm/grub/" + UNKNOWN + ".cfg"))
        .isEqualTo("source /bergenholm/register/" + UNKNOWN + "\nexit\n");
    assertThat(engine.host(UNKNOWN)).isEmpty();

    String answer =
        text(
            "bergenholm/register/"
                + UNKNOWN
                + "?manufacturer=Acme Corp&product=Rack 9000 (rev 2)&serial=&asset=A-1");
    assertThat(answer).isEqualTo("echo \"Bergenholm: registered " + UNKNOWN + "\"\n");
    Params host = engine.host(UNKNOWN).orElseThrow().value();
    assertThat(host.string("manufacturer")).contains("Acme Corp");
    assertThat(host.string("product")).contains("Rack 9000 (rev 2)");
    assertThat(host.string("asset")).contains("A-1");
    assertThat(host.contains("serial")).isFalse();
    assertThat(host.groups()).containsExactly("default");
    // A retransmitted or repeated read changes nothing and still answers a script GRUB can run.
    assertThat(text("bergenholm/register/" + UNKNOWN + "?manufacturer=Other"))
        .contains("already known");
    assertThat(engine.host(UNKNOWN).orElseThrow().value().string("manufacturer"))
        .contains("Acme Corp");
    assertThat(text("bergenholm/grub/" + UNKNOWN + ".cfg"))
        .isEqualTo("echo local " + UNKNOWN + "\nexit\n");
  }

  @Test
  void registrationsThroughGrubAreLimitedPerAddressAsOverHttp() throws Exception {
    // The default allowance: 10 at once, then 10 a minute. A flood of made-up UUIDs from one
    // address registers ten hosts and no more.
    int burst = io.bergenholm.netboot.http.TransportLimits.defaults().registrationBurst();
    List<Integer> exits = new java.util.ArrayList<>();
    for (int i = 0; i < burst + 3; i++) {
      String uuid = String.format("6f1e0000-0000-4000-8000-%012d", i);
      exits.add(get("bergenholm/register/" + uuid + "?product=flood").exit());
    }
    assertThat(exits.subList(0, burst)).containsOnly(0);
    assertThat(exits.subList(burst, burst + 3)).doesNotContain(0);
    assertThat(engine.listHosts(Map.of()).stream().filter(h -> h.startsWith("6f1e0000")))
        .hasSize(burst);
    // The refusal says why (curl and atftp do not show a TFTP error's text; the provider does).
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                grub.open(
                        "bergenholm/register/6f1e0000-0000-4000-8000-999999999999",
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 4242))
                    .orElseThrow()
                    .toCompletableFuture()
                    .join())
        .hasMessageContaining("too many registrations from 127.0.0.1");
  }

  @Test
  void hostileNamesAreRefusedAndRegisterNobody() throws Exception {
    List<String> hostile =
        List.of(
            "bergenholm/grub/" + HOST,
            "bergenholm/grub/" + HOST + ".cfg.bak",
            "bergenholm/grub/x" + HOST + ".cfg",
            "bergenholm/grub/" + HOST.replace("-", "") + ".cfg",
            "bergenholm/grub/register.cfg",
            "bergenholm/grub/../grub/" + HOST + ".cfg",
            "bergenholm/grub/" + HOST + ".cfg/",
            "bergenholm/kernel/" + HOST + "/0",
            "bergenholm/kernel/" + HOST + "/../../etc/passwd",
            "bergenholm/initrd/" + HOST + "/99999",
            "bergenholm/initrd/" + HOST + "/-1",
            "bergenholm/firmware/" + HOST,
            "bergenholm/",
            "bergenholm/register/" + UNKNOWN + "?groups=admin",
            "bergenholm/register/" + UNKNOWN + "?manufacturer=a&manufacturer=b",
            "bergenholm/register/" + UNKNOWN + "?manufacturer",
            "bergenholm/register/"
                + UNKNOWN
                + "?serial="
                + "x".repeat(GrubName.MAX_VALUE_CHARS + 1),
            "bergenholm/register/" + UNKNOWN + "?serial=caf\u00e9",
            "bergenholm/register/" + UNKNOWN + "x",
            "bergenholm/register/register");
    for (String name : hostile) {
      Got got = get(name);
      assertThat(got.exit()).as("%s must be refused: %s", name, got.stderr()).isNotZero();
      assertThat(got.body()).as(name).isEmpty();
    }
    assertThat(engine.listHosts(Map.of())).containsExactlyInAnyOrder("register", HOST);
  }

  @Test
  void randomNamesUnderThePrefixEitherParseStrictlyOrAreRefused() {
    String[] pieces = {
      "grub/",
      "kernel/",
      "initrd/",
      "register/",
      HOST,
      HOST.toUpperCase(),
      ".cfg",
      "/",
      "/1",
      "?",
      "&",
      "=",
      "manufacturer",
      "..",
      "%00",
      "\\",
      " ",
      "register"
    };
    Random random = new Random(42);
    int parsed = 0;
    for (int i = 0; i < 5000; i++) {
      StringBuilder name = new StringBuilder();
      for (int j = 1 + random.nextInt(5); j > 0; j--) {
        name.append(pieces[random.nextInt(pieces.length)]);
      }
      try {
        GrubName n = GrubName.parse(name.toString());
        parsed++;
        assertThat(n.uuid()).as(name.toString()).isEqualTo(HOST);
        assertThat(name.toString()).doesNotContain("..").doesNotContain("\\");
      } catch (io.bergenholm.netboot.tftp.TftpRefusal expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
    assertThat(parsed).as("the generator also makes valid names").isPositive();
  }

  @Test
  void imagesComeOverTftpFromOneUpstreamFetchShared() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<Got>> kernels = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        kernels.add(clients.submit(() -> get("bergenholm/kernel/" + HOST)));
      }
      for (Future<Got> f : kernels) {
        Got got = f.get();
        assertThat(got.exit()).as(got.stderr()).isZero();
        assertThat(got.body()).isEqualTo(kernel);
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(get("bergenholm/initrd/" + HOST).body()).isEqualTo(initrd);
    assertThat(get("bergenholm/initrd/" + HOST + "/0").body()).isEqualTo(initrd);
    assertThat(upstreamRequests.get("/good/vmlinuz").get()).isEqualTo(1);
    assertThat(upstreamRequests.get("/good/initrd.gz").get()).isEqualTo(1);
  }

  @Test
  void anImageCutShortOrOfTheWrongDigestIsAnErrorNeverAFile() throws Exception {
    cutAt.put("/good/vmlinuz", 100_000);
    Got cut = get("bergenholm/kernel/" + HOST);
    assertThat(cut.exit()).as("a cut upstream body").isNotZero();
    assertThat(cut.body()).isEmpty();

    cutAt.clear();
    engine.replaceHost(
        HOST,
        Params.of(
            Map.of(
                "groups",
                List.of("install"),
                "module_sha256",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(kernel)))),
        Optional.empty());
    Got wrong = get("bergenholm/initrd/" + HOST);
    assertThat(wrong.exit()).as("an initrd whose sha256 is not the expected one").isNotZero();
    assertThat(wrong.body()).isEmpty();
    assertThat(wrong.stderr()).isNotEmpty();

    engine.replaceHost(
        HOST,
        Params.of(
            Map.of(
                "groups",
                List.of("install"),
                "module_sha256",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(initrd)))),
        Optional.empty());
    assertThat(get("bergenholm/initrd/" + HOST).body()).isEqualTo(initrd);
    assertThat(get("bergenholm/kernel/" + HOST).body()).isEqualTo(kernel);
  }

  @Test
  void missingImagesAndHostsWithoutAConfigAreNotFound() throws Exception {
    engine.createHost(
        "0c1d2e3f-4a5b-4c6d-8e9f-000000000002", Params.of(Map.of("groups", List.of("default"))));
    Got noKernel = get("bergenholm/kernel/0c1d2e3f-4a5b-4c6d-8e9f-000000000002");
    assertThat(noKernel.exit()).isNotZero();
    engine.replaceGroup("default", Params.of(Map.of()), Optional.empty());
    Got noConfig = get("bergenholm/grub/0c1d2e3f-4a5b-4c6d-8e9f-000000000002.cfg");
    assertThat(noConfig.exit()).isNotZero();
    // curl does not show the TFTP error's text; the provider's refusal carries it.
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                grub.hostConfig(
                    "0c1d2e3f-4a5b-4c6d-8e9f-000000000002",
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 69)))
        .isInstanceOf(io.bergenholm.netboot.tftp.TftpRefusal.class)
        .hasMessageContaining("0c1d2e3f-4a5b-4c6d-8e9f-000000000002")
        .hasMessageContaining("'grub_config'");
  }

  @Test
  void aClientRepeatingItsRequestWhileItsImageArrivesTakesNoSecondWorker() throws Exception {
    gate = new java.util.concurrent.CountDownLatch(1);
    InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2000);
    String name = "bergenholm/kernel/" + HOST;
    java.util.concurrent.CompletableFuture<io.bergenholm.netboot.tftp.TftpContent> first =
        grub.open(name, peer).orElseThrow().toCompletableFuture();
    java.util.concurrent.CompletableFuture<io.bergenholm.netboot.tftp.TftpContent> repeat =
        grub.open(name, peer).orElseThrow().toCompletableFuture();
    assertThat(repeat).isCompletedExceptionally();
    org.assertj.core.api.Assertions.assertThatThrownBy(repeat::join)
        .hasMessageContaining("repeated request");
    // Another client (another port) is not a repeat.
    java.util.concurrent.CompletableFuture<io.bergenholm.netboot.tftp.TftpContent> other =
        grub.open(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 2001))
            .orElseThrow()
            .toCompletableFuture();
    assertThat(first).isNotDone();
    assertThat(other).isNotDone();
    gate.countDown();
    first.get(30, java.util.concurrent.TimeUnit.SECONDS);
    other.get(30, java.util.concurrent.TimeUnit.SECONDS);
    // Once answered, the same client may ask again.
    assertThat(
            grub.open(name, peer)
                .orElseThrow()
                .toCompletableFuture()
                .get(30, java.util.concurrent.TimeUnit.SECONDS))
        .isNotNull();
    assertThat(upstreamRequests.get("/good/vmlinuz").get()).isEqualTo(1);
  }
}
