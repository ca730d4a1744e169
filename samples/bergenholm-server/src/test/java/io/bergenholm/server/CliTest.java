package io.bergenholm.server;

import static io.bergenholm.server.Serving.serve;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bergenholm serve} on the shipped sample data (a writable copy), and the client commands
 * against it, run in-process through the same entry point as the launcher script.
 */
class CliTest {
  private static final String RW = "cli-test-rw-token-0123456789";
  private static final String RO = "cli-test-ro-token-0123456789";

  @TempDir Path dir;
  private ServeCommand.Running server;
  private String url;

  record Result(int code, String out, String err) {}

  private Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] full = new String[args.length + 2];
    full[0] = "--url";
    full[1] = url;
    System.arraycopy(args, 0, full, 2, args.length);
    int code = Main.run(full, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeEach
  void start() {
    server = serve("serve", "--data-dir", dir.resolve("data").toString(), "--http", "127.0.0.1:0");
    url = "http://127.0.0.1:" + server.bootAddress().getPort() + "/api/1.0";
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void servesACopyOfTheSampleData() throws Exception {
    assertThat(server.store()).isEqualTo("file:" + dir.resolve("data").toAbsolutePath());
    assertThat(dir.resolve("data/templates/linux.ipxe")).exists();
    HttpResponse<String> script =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + server.bootAddress().getPort()
                                + "/ipxe/script/4c4c4544-0042-3510-8052-b4c04f564e31"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(script.body())
        .startsWith("#!ipxe")
        .contains(
            "inst.ks=http://127.0.0.1:8080/api/1.0/templates/el.kickstart/"
                + "4c4c4544-0042-3510-8052-b4c04f564e31?boot_token=");
    assertThat(cli("group", "list").out())
        .contains("debian12", "ubuntu2404", "rocky9", "alma9", "fedora42");
    assertThat(cli("template", "list").out().lines())
        .contains(
            "linux.ipxe", "localboot.ipxe", "register.ipxe", "el.kickstart", "debian.preseed");
    for (String group : new String[] {"debian12", "ubuntu2404", "rocky9", "alma9", "fedora42"}) {
      Files.writeString(dir.resolve("h.json"), "{\"groups\": [\"" + group + "\", \"amd64\"]}");
      assertThat(cli("host", "create", "t-" + group, dir.resolve("h.json").toString()).code())
          .isZero();
      String rendered = cli("template", "show", "linux.ipxe", "--host", "t-" + group).out();
      assertThat(rendered)
          .as(group)
          .startsWith("#!ipxe")
          .contains("kernel http://127.0.0.1:8080/ipxe/kernel/${uuid}")
          .doesNotContain("{{");
    }
    assertThat(cli("template", "show", "debian.preseed", "--host", "t-debian12").out())
        .contains("d-i mirror/http/hostname string deb.debian.org")
        .doesNotContain("{{");
  }

  @Test
  void hostCommandsMirrorTheOldClient() throws IOException {
    assertThat(cli("host", "list").out().lines())
        .containsExactly("4c4c4544-0042-3510-8052-b4c04f564e31", "default", "register");
    Path json = dir.resolve("host.json");
    Files.writeString(json, "{\"groups\": [\"debian12\", \"amd64\"], \"hostname\": \"web1\"}");
    Result created = cli("host", "create", "web1-uuid", json.toString());
    assertThat(created.code()).as(created.err()).isZero();
    Result again = cli("host", "create", "web1-uuid", json.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("400", "already exists");

    assertThat(cli("host", "show", "web1-uuid").out()).contains("\"hostname\" : \"web1\"");
    assertThat(cli("host", "show", "web1-uuid", "--all").out())
        .contains("installer-amd64", "\"uuid\" : \"web1-uuid\"");
    assertThat(cli("host", "list", "hostname=web1").out().strip()).isEqualTo("web1-uuid");
    assertThat(cli("host", "explain", "web1-uuid").out())
        .containsPattern("series\\s+group:debian12\\s+bookworm");
    assertThat(cli("host", "show", "web1-uuid", "--all").out())
        .contains("\"root_password\" : \"********\"");
    assertThat(cli("host", "show", "web1-uuid", "--all", "--secrets").out())
        .contains("change-me-now");

    Files.writeString(json, "{\"groups\": [\"rocky9\", \"amd64\"]}");
    assertThat(cli("host", "update", "web1-uuid", json.toString()).code()).isZero();
    assertThat(cli("host", "show", "web1-uuid", "--all").out()).contains("dl.rockylinux.org");
    assertThat(cli("host", "installed", "web1-uuid").code()).isZero();
    assertThat(cli("host", "show", "web1-uuid").out()).contains("installed");
    assertThat(cli("host", "installed", "web1-uuid", "--unmark").code()).isZero();
    assertThat(cli("host", "delete", "web1-uuid").code()).isZero();
    Result gone = cli("host", "show", "web1-uuid");
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).contains("404", "web1-uuid");

    Files.writeString(json, "[1, 2]");
    Result bad = cli("host", "create", "x", json.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("JSON object");
  }

  @Test
  void groupTemplateAndPowerCommands() throws IOException {
    Path json = dir.resolve("g.json");
    Files.writeString(
        json, "{\"groups\": [\"debian\"], \"series\": \"trixie\", \"version\": \"13\"}");
    assertThat(cli("group", "create", "debian13", json.toString()).code()).isZero();
    assertThat(cli("group", "show", "debian13", "--all").out())
        .contains("\"series\" : \"trixie\"", "{{mirror_host}}");
    Files.writeString(
        json, "{\"groups\": [\"debian\"], \"series\": \"trixie\", \"version\": \"13.1\"}");
    assertThat(cli("group", "update", "debian13", json.toString()).code()).isZero();
    assertThat(cli("group", "show", "debian13").out()).contains("13.1");
    assertThat(cli("group", "delete", "debian13").code()).isZero();
    assertThat(cli("group", "delete", "debian13").code()).isEqualTo(1);

    Path text = dir.resolve("t.txt");
    Files.writeString(text, "hello {{uuid}}\n");
    assertThat(cli("template", "create", "hello", text.toString()).code()).isZero();
    assertThat(cli("template", "show", "hello").out()).isEqualTo("hello {{uuid}}\n");
    Result rendered = cli("template", "show", "hello", "--host", "abc");
    assertThat(rendered.out()).as(rendered.err()).startsWith("hello abc");
    Files.writeString(text, "bye\n");
    assertThat(cli("template", "update", "hello", text.toString()).code()).isZero();
    assertThat(cli("template", "delete", "hello").code()).isZero();

    Result noDriver = cli("power", "status", "default");
    assertThat(noDriver.code()).isEqualTo(1);
    assertThat(noDriver.err()).contains("400", "power_driver");
    Result unknown = cli("power", "on", "no-such-host");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("404");
  }

  @Test
  void servesBootIpxeOverTftpAndStreamsImagesOverHttp() throws Exception {
    Path root = dir.resolve("tftp");
    Files.createDirectories(root);
    Files.writeString(root.resolve("undionly.kpxe"), "not really iPXE");
    Path kernel = dir.resolve("vmlinuz");
    Files.write(kernel, new byte[300_000]);
    try (ServeCommand.Running full =
        serve(
            "serve",
            "--data-dir",
            dir.resolve("data3").toString(),
            "--http",
            "127.0.0.1:0",
            "--tftp",
            "127.0.0.1:0",
            "--tftp-root",
            root.toString(),
            // This kernel is a local file: file: URLs are served only when enabled.
            "-E",
            "images.allow_schemes=http,https,file",
            "-E",
            "images.cache_dir=" + dir.resolve("image-cache"))) {
      int http = full.bootAddress().getPort();
      int tftp = full.tftpAddress().orElseThrow().getPort();
      Process curl =
          new ProcessBuilder(
                  "curl",
                  "-sS",
                  "tftp://127.0.0.1:" + tftp + "/boot.ipxe",
                  "tftp://127.0.0.1:" + tftp + "/undionly.kpxe")
              .redirectErrorStream(true)
              .start();
      String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(curl.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(out)
          .startsWith("#!ipxe")
          .contains(
              "imgfetch --name bergenholm-script http://127.0.0.1:" + http + "/ipxe/script/${uuid}")
          .endsWith("not really iPXE");

      String fullUrl = "http://127.0.0.1:" + http + "/api/1.0";
      Path json = dir.resolve("k.json");
      Files.writeString(
          json, "{\"groups\": [\"default\"], \"kernel\": \"" + kernel.toUri() + "\"}");
      StringWriter sink = new StringWriter();
      assertThat(
              Main.run(
                  new String[] {"--url", fullUrl, "host", "create", "k1", json.toString()},
                  new PrintWriter(sink, true),
                  new PrintWriter(sink, true)))
          .as(sink.toString())
          .isZero();
      HttpResponse<byte[]> image =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/ipxe/kernel/k1"))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(image.statusCode())
          .as(new String(image.body(), StandardCharsets.UTF_8))
          .isEqualTo(200);
      assertThat(image.body()).hasSize(300_000);
      assertThat(image.headers().firstValue("content-length")).hasValue("300000");
    }
  }

  @Test
  void reportsUsageAndConnectionErrors() {
    Result usage = cli("host", "frobnicate");
    assertThat(usage.code()).isEqualTo(2);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {"--url", "http://127.0.0.1:9/api/1.0", "host", "list"},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertThat(code).isEqualTo(3);
    assertThat(err.toString()).contains("cannot connect");
  }

  @Test
  void usesTokensFromAFileWhenTheServerWantsThem() throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw " + RW + "\nro " + RO + "\n");
    Path rw = dir.resolve("rw");
    Files.writeString(rw, RW + "\n");
    Path ro = dir.resolve("ro");
    Files.writeString(ro, RO);
    Path conf = dir.resolve("bergenholm.properties");
    Files.writeString(
        conf, "http=127.0.0.1:0\ntokens=" + tokens + "\ndata-dir=" + dir.resolve("data2") + "\n");
    try (ServeCommand.Running secured = serve("serve", "--config", conf.toString())) {
      String securedUrl = "http://127.0.0.1:" + secured.bootAddress().getPort() + "/api/1.0";
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int denied =
          Main.run(
              new String[] {"--url", securedUrl, "host", "list"},
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(denied).isEqualTo(1);
      assertThat(err.toString()).contains("401");
      int ok =
          Main.run(
              new String[] {"--url", securedUrl, "--token-file", ro.toString(), "host", "list"},
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(ok).isZero();
      assertThat(out.toString()).contains("register");
      int forbidden =
          Main.run(
              new String[] {
                "--url", securedUrl, "--token-file", ro.toString(), "host", "delete", "default"
              },
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(forbidden).isEqualTo(1);
      assertThat(err.toString()).contains("403");
      int deleted =
          Main.run(
              new String[] {
                "host", "delete", "default", "--url", securedUrl, "--token-file", rw.toString()
              },
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      assertThat(deleted).as(err.toString()).isZero();
    }
    assertThat(Files.readString(dir.resolve("data2/hosts/register"), StandardCharsets.UTF_8))
        .contains("register");
  }
}
