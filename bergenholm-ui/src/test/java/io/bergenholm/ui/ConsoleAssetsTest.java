package io.bergenholm.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's files and the API calls it adds, over real sockets, without a browser. */
class ConsoleAssetsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FILES =
      List.of(
          "index.html",
          "app.js",
          "api.js",
          "dom.js",
          "notify.js",
          "hosts.js",
          "machines.js",
          "machine.js",
          "timeline.js",
          "editor.js",
          "groups.js",
          "templates.js",
          "style.css",
          "favicon.svg");

  private static ConsoleServer s;

  @BeforeAll
  static void start() {
    s = ConsoleServer.withTokens();
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpResponse<String> get(String url, String... headers) {
    return s.send(url, "GET", null, headers);
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  @Test
  void servesEveryFileWithItsTypeAStrictPolicyAndRevalidation() {
    for (String file : FILES) {
      HttpResponse<String> r = get(s.management + "/ui/" + file);
      assertThat(r.statusCode()).as(file).isEqualTo(200);
      String type = r.headers().firstValue("Content-Type").orElseThrow();
      String expected =
          file.endsWith(".html")
              ? "text/html; charset=utf-8"
              : file.endsWith(".js")
                  ? "text/javascript; charset=utf-8"
                  : file.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
      assertThat(type).as(file).isEqualTo(expected);
      String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(csp)
          .contains(
              "default-src 'none'",
              "script-src 'self'",
              "frame-ancestors 'none'",
              "connect-src 'self'")
          .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
      String etag = r.headers().firstValue("ETag").orElseThrow();
      HttpResponse<String> again = get(s.management + "/ui/" + file, "If-None-Match", etag);
      assertThat(again.statusCode()).as(file + " revalidated").isEqualTo(304);
      assertThat(again.body()).isEmpty();
    }
    HttpResponse<String> root = get(s.management + "/ui/");
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo(get(s.management + "/ui/index.html").body());
    HttpResponse<String> bare = get(s.management + "/ui");
    assertThat(bare.statusCode()).isEqualTo(301);
    assertThat(bare.headers().firstValue("Location")).hasValue("/ui/");
  }

  @Test
  void isServedOnTheManagementListenerOnlyAndNeedsNoTokenForItsFiles() throws IOException {
    HttpResponse<String> boot = get(s.boot + "/ui/");
    assertThat(boot.statusCode()).isEqualTo(404);
    assertThat(json(boot).path("error").asText()).contains("management address only");
    // The page itself holds no data; the API behind it still wants a token.
    assertThat(get(s.management + "/ui/app.js").statusCode()).isEqualTo(200);
    assertThat(get(s.management + "/api/1.0/access").statusCode()).isEqualTo(401);
    assertThat(
            json(get(
                    s.management + "/api/1.0/access",
                    "Authorization",
                    "Bearer " + ConsoleServer.RO))
                .path("access")
                .asText())
        .isEqualTo("read-only");
    assertThat(
            json(get(
                    s.management + "/api/1.0/access",
                    "Authorization",
                    "Bearer " + ConsoleServer.RW))
                .path("access")
                .asText())
        .isEqualTo("read-write");
    assertThat(
            get(
                    s.management + "/api/1.0/access",
                    "Authorization",
                    "Bearer not-a-token-of-ours-at-all")
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void withoutTokensEveryoneIsReadWrite() throws IOException {
    try (ConsoleServer open = ConsoleServer.open()) {
      HttpResponse<String> r = open.send(open.management + "/api/1.0/access", "GET", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).path("access").asText()).isEqualTo("read-write");
    }
  }

  @Test
  void refusesNamesOutsideItsFolderAndUnknownKinds() throws IOException {
    for (String path :
        List.of(
            "/ui/..%2fpom.xml",
            "/ui/%2e%2e%2fapp.js",
            "/ui/.hidden.js",
            "/ui/app.class",
            "/ui/App.js",
            "/ui/nothing.js",
            "/ui/io%2fbergenholm%2fui%2fapp.js",
            "/ui/app.js%00.png")) {
      HttpResponse<String> r = get(s.management + path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(json(r).path("error").asText()).as(path).contains("the console has no file");
    }
    assertThat(get(s.management + "/ui/a/b.js").statusCode()).isEqualTo(404);
  }

  /**
   * The policy forbids inline script and style; the files must not rely on them, nor write HTML.
   */
  @Test
  void filesUseNoInlineScriptNoInlineStyleAndNoHtmlStrings() throws IOException {
    String index = resource("index.html");
    Matcher scripts =
        Pattern.compile("<script([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(index);
    int count = 0;
    while (scripts.find()) {
      count++;
      assertThat(scripts.group(1)).contains("src=");
      assertThat(scripts.group(2)).isBlank();
    }
    assertThat(count).isEqualTo(1);
    assertThat(index).doesNotContain(" style=", " onclick=", " onload=", "http://", "https://");
    for (String file : FILES) {
      if (file.endsWith(".js")) {
        String js = resource(file);
        assertThat(js)
            .as(file)
            .doesNotContain(
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "eval(",
                "new Function",
                "document.write",
                ".style.");
        // Imports are relative: nothing is fetched from another origin.
        Matcher imports = Pattern.compile("from '([^']+)'").matcher(js);
        while (imports.find()) {
          assertThat(imports.group(1)).as(file).startsWith("./");
        }
      }
    }
    assertThat(resource("style.css")).doesNotContain("@import", "url(http");
  }

  @Test
  void previewRendersAnUnsavedBodyAndPointsAtTheLineOfAnError() throws IOException {
    String path = "/api/1.0/templates/draft.ipxe/preview/" + ConsoleServer.NODE;
    HttpResponse<String> ok = s.api("POST", path, "#!ipxe\necho {{hostname}} {{kernel}}\n");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body())
        .startsWith("#!ipxe\necho node01 http://127.0.0.1:")
        .contains("/images/el9/vmlinuz");
    assertThat(s.api("GET", "/api/1.0/templates/draft.ipxe", null).statusCode())
        .as("a preview saves nothing")
        .isEqualTo(404);

    HttpResponse<String> broken =
        s.api("POST", path, "#!ipxe\necho fine\n{% if %}\nboot\n{% endif %}\n");
    assertThat(broken.statusCode()).isEqualTo(400);
    JsonNode error = json(broken);
    assertThat(error.path("line").asInt()).isEqualTo(3);
    assertThat(error.path("template").asText()).isEqualTo("draft.ipxe");
    assertThat(error.path("error").asText()).startsWith("template 'draft.ipxe' line 3: ");

    HttpResponse<String> readOnly =
        s.send(s.management + path, "POST", "x", "Authorization", "Bearer " + ConsoleServer.RO);
    assertThat(readOnly.statusCode()).isEqualTo(403);
    assertThat(s.send(s.management + path, "POST", "x").statusCode()).isEqualTo(401);
    assertThat(s.send(s.boot + path, "POST", "x").statusCode()).isEqualTo(404);
    HttpResponse<String> badName =
        s.api("POST", "/api/1.0/templates/..bad/preview/" + ConsoleServer.NODE, "x");
    assertThat(badName.statusCode()).isEqualTo(400);
  }

  @Test
  void theStoredTemplateRendersForAHostWithSecretsMaskedUnlessAReadWriteTokenAsks() {
    String path = "/api/1.0/templates/el.kickstart/preview/" + ConsoleServer.NODE;
    HttpResponse<String> masked = s.api("GET", path, null);
    assertThat(masked.statusCode()).as(masked.body()).isEqualTo(200);
    assertThat(masked.body())
        .contains("rootpw ********\n", "network --hostname=node01")
        .doesNotContain("hunter2");
    assertThat(s.api("GET", path + "?secrets=show", null).body())
        .contains("rootpw hunter2hunter2\n");
    HttpResponse<String> readOnly =
        s.send(s.management + path, "GET", null, "Authorization", "Bearer " + ConsoleServer.RO);
    assertThat(readOnly.statusCode()).isEqualTo(200);
    assertThat(readOnly.body()).isEqualTo(masked.body());
    assertThat(
            s.send(
                    s.management + path + "?secrets=show",
                    "GET",
                    null,
                    "Authorization",
                    "Bearer " + ConsoleServer.RO)
                .statusCode())
        .isEqualTo(403);
    assertThat(s.send(s.management + path, "GET", null).statusCode()).isEqualTo(401);
    // The boot side's rendering, what the installer fetches with its boot credential, is unchanged:
    // secrets and all.
    String credential =
        s.engine
            .bootCredentials()
            .issue(ConsoleServer.NODE, java.net.InetAddress.getLoopbackAddress());
    assertThat(
            s.bootGet(
                    "/api/1.0/templates/el.kickstart/"
                        + ConsoleServer.NODE
                        + "?boot_token="
                        + credential)
                .body())
        .isEqualTo(masked.body().replace("********", "hunter2hunter2"));
    assertThat(
            s.api("GET", "/api/1.0/templates/nosuch/preview/" + ConsoleServer.NODE, null)
                .statusCode())
        .isEqualTo(404);
  }

  private static String resource(String name) throws IOException {
    try (InputStream in =
        ConsoleAssetsTest.class.getClassLoader().getResourceAsStream("io/bergenholm/ui/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
