package io.bergenholm.netboot.http;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real server on 127.0.0.1 with an ephemeral port, over a real engine, and a JDK client for it.
 */
final class TestServer implements AutoCloseable {
  final Bergenholm engine;
  final HttpServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final String base;

  private TestServer(Bergenholm engine, HttpServer server, String base) {
    this.engine = engine;
    this.server = server;
    this.base = base;
  }

  /** The same server reached on another of its ports (do not close the view; close this). */
  TestServer atPort(int port) {
    return new TestServer(engine, server, "http://127.0.0.1:" + port);
  }

  static InetSocketAddress loopback() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  static Bergenholm memoryEngine() {
    return Bergenholm.builder().config(Map.of("store", "memory:")).build();
  }

  static TestServer start() {
    return start(memoryEngine(), HttpSettings.of(loopback()));
  }

  static TestServer start(Bergenholm engine, HttpSettings settings) {
    HttpServer server = HttpServer.start(engine, settings);
    return new TestServer(engine, server, "http://127.0.0.1:" + server.bootAddress().getPort());
  }

  /** A server streaming images from {@code images}. */
  static TestServer start(
      Bergenholm engine, HttpSettings settings, io.bergenholm.engine.image.ImageService images) {
    HttpServer server = HttpServer.start(engine, settings, images);
    return new TestServer(engine, server, "http://127.0.0.1:" + server.bootAddress().getPort());
  }

  /**
   * The compatible sample: groups default, register, installed, centos, centos7; hosts; iPXE
   * templates.
   */
  TestServer seeded() {
    engine.createGroup(
        "default",
        Params.of(
            Map.of(
                "base_url", "http://192.168.10.254",
                "ipxe_url", "{{base_url}}/ipxe",
                "installed_url", "{{base_url}}/api/1.0/hosts/{{uuid}}?installed=mark",
                "ipxe_script", "localboot.ipxe",
                "root_password", "hunter2hunter2")));
    engine.createGroup(
        "register",
        Params.of(Map.of("groups", List.of("default"), "ipxe_script", "register.ipxe")));
    engine.createGroup("installed", Params.of(Map.of("ipxe_script", "localboot.ipxe")));
    engine.createGroup(
        "centos",
        Params.of(
            Map.of(
                "groups", List.of("default"),
                "mirror_url", "http://mirror.example.org/centos-{{version}}/os/x86_64",
                "kernel", "{{mirror_url}}/images/pxeboot/vmlinuz",
                "module", "{{mirror_url}}/images/pxeboot/initrd.img",
                "kernel_opts", "ks={{base_url}}/api/1.0/templates/ks/${uuid}",
                "ipxe_script", "linux.ipxe")));
    engine.createGroup("centos7", Params.of(Map.of("groups", List.of("centos"), "version", "7")));
    engine.createHost("default", Params.of(Map.of("groups", List.of("default"))));
    engine.createHost("register", Params.of(Map.of("groups", List.of("register"))));
    engine.createHost(
        "samplehost",
        Params.of(
            Map.of(
                "groups", List.of("centos7"), "hostname", "test-200", "ipaddr", "192.168.10.200")));
    engine.createTemplate(
        "linux.ipxe",
        "#!ipxe\nkernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}\n"
            + "module {{ipxe_url}}/module/${uuid}\nboot\n");
    engine.createTemplate("localboot.ipxe", "#!ipxe\nsanboot --no-describe --drive 0x80\n");
    engine.createTemplate(
        "register.ipxe",
        "#!ipxe\nimgfetch {{ipxe_url}}/register/${uuid}?manufacturer=${manufacturer}\nsanboot --drive 0x80\n");
    engine.createTemplate(
        "ks", "# kickstart for {{uuid}}\nrootpw {{root_password}}\nurl --url={{mirror_url}}\n");
    return this;
  }

  HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    return sendBytes(
        method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  HttpResponse<String> sendBytes(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
    engine.close();
  }
}
