package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpRoutes}, the routes an embedder mounts in its own server, answer exactly as the Netty
 * server does over the same engine: status, body and entity tag, for reads, writes and errors.
 */
class EmbeddedRoutesTest {
  @TempDir Path dir;

  private static HttpRoutes.Response call(
      HttpRoutes routes, String method, String target, String body, String... headers) {
    Map<String, List<String>> h = new java.util.LinkedHashMap<>();
    h.put("Host", List.of("boot.example:8080"));
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], List.of(headers[i + 1]));
    }
    return routes.handle(
        new HttpRoutes.Request(
            method, target, h, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void answersAsTheServerDoes() {
    try (TestServer s = TestServer.start().seeded()) {
      HttpRoutes routes = HttpRoutes.of(s.engine, AccessTokens.none());
      String[][] calls = {
        {"GET", "/ipxe/script/samplehost", null},
        {"GET", "/ipxe/script/unknown-machine", null},
        {"GET", "/api/1.0/hosts/", null},
        {"GET", "/api/1.0/hosts/samplehost?params=all", null},
        {"GET", "/api/1.0/groups/centos7?params=all", null},
        {"GET", "/api/1.0/templates/ks/samplehost", null},
        {"GET", "/api/1.0/hosts/nosuch", null},
        {"GET", "/api/1.0/hosts/?a=1", null},
        {"GET", "/ipxe/kernel/samplehost", null},
        {"GET", "/ipxe/module/samplehost/x", null},
        {"DELETE", "/ipxe/script/samplehost", null},
        {"POST", "/api/1.0/hosts/samplehost", "{}"},
        {"POST", "/api/1.0/hosts/bad%2Fname", "{}"},
        {"POST", "/api/1.0/groups/notjson", "[1]"},
        {"GET", "/nowhere", null},
      };
      for (String[] c : calls) {
        HttpResponse<String> viaServer = s.send(c[0], c[1], c[2] == null ? "" : c[2]);
        HttpRoutes.Response embedded = call(routes, c[0], c[1], c[2]);
        String what = c[0] + " " + c[1];
        assertThat(embedded.status()).as(what).isEqualTo(viaServer.statusCode());
        assertThat(new String(embedded.body(), StandardCharsets.UTF_8))
            .as(what)
            .isEqualTo(viaServer.body());
        assertThat(embedded.header("ETag"))
            .as(what)
            .isEqualTo(viaServer.headers().firstValue("etag"));
      }
      HttpRoutes.Response created =
          call(routes, "POST", "/api/1.0/hosts/fresh", "{\"groups\": [\"centos7\"]}");
      assertThat(created.status()).isEqualTo(201);
      assertThat(s.engine.host("fresh")).isPresent();
      String tag =
          call(routes, "GET", "/ipxe/script/samplehost", null).header("etag").orElseThrow();
      assertThat(
              call(routes, "GET", "/ipxe/script/samplehost", null, "If-None-Match", tag).status())
          .isEqualTo(304);
      assertThat(call(routes, "HEAD", "/ipxe/script/samplehost", null).body()).isEmpty();
      // The chain script points clients back at the Host they used.
      assertThat(
              new String(
                  call(routes, "GET", "/ipxe/boot.ipxe", null).body(), StandardCharsets.UTF_8))
          .contains("http://boot.example:8080/ipxe/script/");
    }
  }

  @Test
  void guardsTheManagementSideAndBoundsBodies() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw rw-token-0123456789abcdef alice\n");
    try (TestServer s = TestServer.start().seeded()) {
      HttpRoutes routes =
          HttpRoutes.of(
              s.engine, AccessTokens.read(tokens), new Limits(64, 1024, 1024, 8, 10), "https");
      assertThat(call(routes, "GET", "/api/1.0/hosts/", null).status()).isEqualTo(401);
      assertThat(
              call(
                      routes,
                      "GET",
                      "/api/1.0/hosts/",
                      null,
                      "Authorization",
                      "Bearer rw-token-0123456789abcdef")
                  .status())
          .isEqualTo(200);
      assertThat(call(routes, "GET", "/ipxe/script/samplehost", null).status()).isEqualTo(200);
      HttpRoutes.Response big =
          call(
              routes,
              "POST",
              "/api/1.0/hosts/big",
              "{\"a\": \"" + "x".repeat(100) + "\"}",
              "Authorization",
              "Bearer rw-token-0123456789abcdef");
      assertThat(big.status()).isEqualTo(413);
      assertThat(new String(big.body(), StandardCharsets.UTF_8)).contains("64 bytes");
      assertThat(
              new String(
                  call(routes, "GET", "/ipxe/boot.ipxe", null).body(), StandardCharsets.UTF_8))
          .contains("https://boot.example:8080/");
    }
  }
}
