package io.bergenholm.ui;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.ImageService;
import io.bergenholm.netboot.http.Access;
import io.bergenholm.netboot.http.AccessTokens;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.HttpSettings;
import io.bergenholm.netboot.http.Listener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Bergenholm on 127.0.0.1: boot and management listeners on ephemeral ports, bearer tokens,
 * the dummy power driver, image streaming from a loopback upstream, and a small data set: groups
 * that inherit, an installed machine, one that registered itself, templates. Plus a JDK client for
 * the API, to change records behind the console's back and to boot like iPXE does.
 */
final class ConsoleServer implements AutoCloseable {
  static final String RW = "rw-token-0123456789abcdef";
  static final String RO = "ro-token-0123456789abcdef";
  static final String NODE = "4c4c4544-0042-3510-8052-b4c04f564e31";
  static final String NEW_MACHINE = "0c1d2e3f-0000-4000-8000-00000000fe01";
  static final String INSTALLED = "7e3a1c55-1111-4111-8111-000000000007";
  static final byte[] KERNEL =
      "a kernel image, as the upstream serves it\n".repeat(2000).getBytes(StandardCharsets.UTF_8);

  final Bergenholm engine;
  final HttpServer server;
  final String boot;
  final String management;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final AtomicInteger upstreamRequests = new AtomicInteger();
  private final com.sun.net.httpserver.HttpServer upstream;
  private final ImageService images;
  private final Path cache;

  private ConsoleServer(boolean tokens) {
    try {
      cache = Files.createTempDirectory("bergenholm-ui-images");
      upstream = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    upstream.createContext(
        "/images/",
        exchange -> {
          upstreamRequests.incrementAndGet();
          exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
          exchange.sendResponseHeaders(200, KERNEL.length);
          exchange.getResponseBody().write(KERNEL);
          exchange.close();
        });
    upstream.start();
    Map<String, String> config = new LinkedHashMap<>();
    config.put("store", "memory:");
    config.put("images.cache_dir", cache.toString());
    // The upstream is on loopback: allowed here explicitly, as an operator would for a local
    // mirror.
    config.put("images.allowed_hosts", "127.0.0.1");
    config.put("images.allow_loopback", "true");
    engine = Bergenholm.builder().config(config).build();
    images = ImageService.forEngine(engine, config);
    HttpSettings settings =
        HttpSettings.of(new InetSocketAddress("127.0.0.1", 0))
            .withManagement(Listener.plain(new InetSocketAddress("127.0.0.1", 0)));
    if (tokens) {
      settings =
          settings.withTokens(AccessTokens.of(Map.of(RW, Access.READ_WRITE, RO, Access.READ_ONLY)));
    }
    server = HttpServer.start(engine, settings, images);
    boot = "http://127.0.0.1:" + server.bootAddress().getPort();
    management = "http://127.0.0.1:" + server.managementAddress().orElseThrow().getPort();
    seed("http://127.0.0.1:" + upstream.getAddress().getPort());
  }

  static ConsoleServer withTokens() {
    return new ConsoleServer(true);
  }

  static ConsoleServer open() {
    return new ConsoleServer(false);
  }

  private void seed(String upstreamUrl) {
    engine.createGroup(
        "default",
        Params.of(
            Map.of(
                "base_url", boot,
                "ipxe_url", "{{base_url}}/ipxe",
                "installed_url", "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark",
                "ipxe_script", "localboot.ipxe",
                "power_driver", "dummy",
                "root_password", "hunter2hunter2")));
    engine.createGroup(
        "register",
        Params.of(Map.of("groups", List.of("default"), "ipxe_script", "register.ipxe")));
    engine.createGroup("installed", Params.of(Map.of("ipxe_script", "localboot.ipxe")));
    engine.createGroup("amd64", Params.of(Map.of("rpm_arch", "x86_64")));
    engine.createGroup(
        "el",
        Params.of(
            Map.of(
                "groups", List.of("default"),
                "mirror_url", upstreamUrl + "/images/el{{version}}",
                "kernel", "{{mirror_url}}/vmlinuz",
                "module", "{{mirror_url}}/initrd.img",
                "kickstart", "el.kickstart",
                "grub_config", "linux.grub",
                "kernel_opts",
                    "ip=dhcp inst.ks={{base_url}}/api/1.0/templates/{{kickstart}}/${uuid}",
                "ipxe_script", "linux.ipxe")));
    engine.createGroup("rocky9", Params.of(Map.of("groups", List.of("el"), "version", "9")));
    engine.createGroup(
        "debian12", Params.of(Map.of("groups", List.of("default"), "preseed", "debian.preseed")));
    engine.createHost("default", Params.of(Map.of("groups", List.of("default"))));
    engine.createHost("register", Params.of(Map.of("groups", List.of("register"))));
    engine.createHost(
        NODE,
        Params.of(
            Map.of(
                "groups",
                List.of("rocky9", "amd64"),
                "hostname",
                "node01",
                "ipaddr",
                "192.0.2.101")));
    engine.createHost(
        INSTALLED,
        Params.of(Map.of("groups", List.of("debian12", "amd64", "installed"), "hostname", "db01")));
    engine.register(
        NEW_MACHINE,
        Map.of("manufacturer", "Dell Inc.", "product", "PowerEdge R650", "serial", "7XK2Q93"));
    engine.createTemplate(
        "linux.ipxe",
        "#!ipxe\necho installing {{uuid}} ({{hostname|default('unnamed')}})\n"
            + "kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}\nmodule {{ipxe_url}}/module/${uuid}\nboot\n");
    engine.createTemplate("localboot.ipxe", "#!ipxe\nsanboot --no-describe --drive 0x80\n");
    engine.createTemplate(
        "register.ipxe",
        "#!ipxe\nimgfetch {{ipxe_url}}/register/${uuid}?manufacturer=${manufacturer}\nsanboot --drive 0x80\n");
    engine.createTemplate(
        "el.kickstart",
        "# kickstart for {{uuid}}\nrootpw {{root_password}}\n"
            + "url --url={{mirror_url}}\nnetwork --hostname={{hostname}}\n");
    engine.createTemplate(
        "linux.grub",
        "linux (tftp)/bergenholm/kernel/{{uuid}} {{kernel_opts}}\n"
            + "initrd (tftp)/bergenholm/initrd/{{uuid}}\nboot\n");
    engine.createTemplate("debian.preseed", "d-i netcfg/get_hostname string {{hostname}}\n");
  }

  /** A management call with the read-write token. */
  HttpResponse<String> api(String method, String path, String body, String... headers) {
    List<String> h = new ArrayList<>(List.of(headers));
    h.add("Authorization");
    h.add("Bearer " + RW);
    return send(management + path, method, body, h.toArray(String[]::new));
  }

  /** A boot-side request, as iPXE makes it. */
  HttpResponse<String> bootGet(String path) {
    return send(boot + path, "GET", null, "User-Agent", "iPXE/1.21.1");
  }

  HttpResponse<String> send(String url, String method, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
    images.close();
    engine.close();
    upstream.stop(0);
    try (var files = Files.walk(cache)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
