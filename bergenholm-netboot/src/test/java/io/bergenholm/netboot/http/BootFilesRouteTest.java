package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.tftp.TftpRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The boot files UEFI HTTP Boot loads, as {@code /ipxe/NAME}, over a real server and client. */
class BootFilesRouteTest {
  @TempDir Path root;
  @TempDir Path outside;
  private byte[] ipxe;
  private Bergenholm engine;
  private HttpServer server;
  private String base;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    ipxe = new byte[850_528];
    new Random(16).nextBytes(ipxe);
    // As Debian lays it out: /usr/lib/ipxe/ipxe.efi is a link to /boot/ipxe.efi.
    Files.write(outside.resolve("ipxe.efi"), ipxe);
    Files.createSymbolicLink(root.resolve("ipxe.efi"), outside.resolve("ipxe.efi"));
    Files.writeString(root.resolve("shimx64.efi"), "shim");
    Files.writeString(root.resolve("not-a-boot-file"), "private");
    Files.createDirectories(root.resolve("grubx64.efi"));
    engine = Bergenholm.builder().config(Map.of("store", "memory:")).build();
    server =
        HttpServer.start(
            engine,
            HttpSettings.of(TestServer.loopback()),
            Optional.empty(),
            BootFiles.of(
                new TftpRoot(root),
                Set.of("ipxe.efi", "shimx64.efi", "grubx64.efi", "snponly.efi")));
    base = "http://127.0.0.1:" + server.bootAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
    engine.close();
  }

  private HttpResponse<byte[]> get(String path, String method) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aConfiguredBootFileIsServedWithItsLengthThroughTheAdministratorsLink() throws Exception {
    HttpResponse<byte[]> r = get("/ipxe/ipxe.efi", "GET");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-length")).contains(Integer.toString(ipxe.length));
    assertThat(r.body()).isEqualTo(ipxe);
    HttpResponse<byte[]> head = get("/ipxe/shimx64.efi", "HEAD");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-length")).contains("4");
    assertThat(head.body()).isEmpty();
  }

  @Test
  void theChainScriptRouteStillWins() throws Exception {
    HttpResponse<byte[]> r = get("/ipxe/boot.ipxe", "GET");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new String(r.body())).startsWith("#!ipxe");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/ipxe/not-a-boot-file",
        "/ipxe/snponly.efi",
        "/ipxe/grubx64.efi",
        "/ipxe/..%2fnot-a-boot-file",
        "/ipxe/%2e%2e",
        "/ipxe/ipxe.efi%00",
        "/ipxe/ipxe.efi%2f",
        "/ipxe/IPXE.EFI"
      })
  void anythingElseIsNotFound(String path) throws Exception {
    HttpResponse<byte[]> r = get(path, "GET");
    assertThat(r.statusCode()).as(path).isIn(400, 404);
    assertThat(new String(r.body())).doesNotContain("private");
  }

  @Test
  void namesThatBreakTheRulesCannotBeConfigured() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> BootFiles.of(new TftpRoot(root), Set.of("../etc/passwd")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("..");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> BootFiles.of(new TftpRoot(root), Set.of("arm64/snp.efi")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("segment");
  }
}
