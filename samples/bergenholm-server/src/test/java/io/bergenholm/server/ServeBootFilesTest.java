package io.bergenholm.server;

import static io.bergenholm.server.Serving.serve;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s boot-file flags and config keys, seen through its HTTP and TFTP listeners. */
class ServeBootFilesTest {
  @TempDir Path dir;

  private static int status(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void theConfiguredBootFilesAreServedOverHttpAndGrubsConfigOverTftp() throws Exception {
    Path root = dir.resolve("tftp");
    Files.createDirectories(root);
    for (String name :
        new String[] {"undionly.kpxe", "uefi.efi", "shim.efi", "grubx64.efi", "other.efi"}) {
      Files.writeString(root.resolve(name), name);
    }
    Path conf = dir.resolve("bergenholm.properties");
    Files.writeString(conf, "uefi-boot-file=uefi.efi\nsecure-boot-file=ignored.efi\n");
    try (ServeCommand.Running running =
        serve(
            "serve",
            "--config",
            conf.toString(),
            "--store",
            "memory:",
            "--http",
            "127.0.0.1:0",
            "--tftp",
            "127.0.0.1:0",
            "--tftp-root",
            root.toString(),
            "--secure-boot-file",
            "shim.efi")) {
      String base = "http://127.0.0.1:" + running.bootAddress().getPort() + "/ipxe/";
      HttpResponse<String> uefi =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(base + "uefi.efi")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(uefi.statusCode()).isEqualTo(200);
      assertThat(uefi.body()).isEqualTo("uefi.efi");
      assertThat(uefi.headers().firstValue("content-length")).contains("8");
      assertThat(status(base + "shim.efi")).as("the flag wins over the config file").isEqualTo(200);
      assertThat(status(base + "grubx64.efi")).isEqualTo(200);
      assertThat(status(base + "undionly.kpxe")).isEqualTo(200);
      assertThat(status(base + "other.efi")).as("not a configured boot file").isEqualTo(404);
      assertThat(status(base + "ignored.efi")).isEqualTo(404);

      int tftp = running.tftpAddress().orElseThrow().getPort();
      Process curl =
          new ProcessBuilder("curl", "-sS", "tftp://127.0.0.1:" + tftp + "/grub/grub.cfg")
              .redirectErrorStream(true)
              .start();
      String cfg = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(cfg)
          .contains(
              "smbios --type 1 --get-uuid 8 --set uuid", "configfile /bergenholm/grub/${uuid}.cfg");
    }
  }

  @Test
  void aBootFileNameThatCouldLeaveTheRootIsRefusedAtStart() {
    assertThatThrownBy(
            () ->
                serve(
                    "serve",
                    "--store",
                    "memory:",
                    "--http",
                    "127.0.0.1:0",
                    "--uefi-boot-file",
                    "../../etc/shadow"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("uefi-boot-file")
        .hasMessageContaining("..");
    assertThatThrownBy(
            () ->
                serve(
                    "serve",
                    "--store",
                    "memory:",
                    "--http",
                    "127.0.0.1:0",
                    "--arm64-boot-file",
                    "/boot/efi.efi"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("arm64-boot-file");
  }

  @Test
  void theHttpBootFileMayBeAUrl() {
    BootFileNames names =
        new BootFileNames(
            "undionly.kpxe",
            "ipxe.efi",
            "https://boot.example/ipxe.efi",
            "arm64/snponly.efi",
            "shimx64.efi");
    assertThat(names.httpBootUrl("http://192.0.2.1:8080"))
        .isEqualTo("https://boot.example/ipxe.efi");
    assertThat(names.servedOverHttp())
        .containsExactly("undionly.kpxe", "ipxe.efi", "shimx64.efi", "grubx64.efi");
    BootFileNames defaults =
        BootFileNames.from(null, null, null, null, null, new java.util.Properties());
    assertThat(defaults.httpBootUrl("http://192.0.2.1:8080"))
        .isEqualTo("http://192.0.2.1:8080/ipxe/ipxe.efi");
    assertThat(defaults.secureBoot()).isEqualTo("shimx64.efi");
  }
}
