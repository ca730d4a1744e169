package io.bergenholm.samples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Versioned;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sample boots on 127.0.0.1: records written through Bergenholm's REST API land in the tool's
 * own store, and a real HTTP client fetches a rendered iPXE script from the tool's own server.
 */
class EmbeddedBootServerTest {
  private static final String UUID = "4c4c4544-0042-3510-8052-b2c04f4e4b31";

  private final InventoryStore store = new InventoryStore();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private EmbeddedBootServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = EmbeddedBootServer.start(new InetSocketAddress("127.0.0.1", 0), store);
    base = "http://127.0.0.1:" + server.address().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesAScriptRenderedFromItsOwnStore() throws Exception {
    assertThat(
            send(
                    "POST",
                    "/api/1.0/templates/boot.ipxe",
                    "#!ipxe\necho {{ uuid }} says {{ greeting }}\n")
                .statusCode())
        .isEqualTo(201);
    assertThat(
            send(
                    "POST",
                    "/api/1.0/groups/lab",
                    "{\"ipxe_script\": \"boot.ipxe\", \"greeting\": \"hello\"}")
                .statusCode())
        .isEqualTo(201);
    assertThat(send("POST", "/api/1.0/hosts/" + UUID, "{\"groups\": [\"lab\"]}").statusCode())
        .isEqualTo(201);
    // What the API wrote is in the tool's own store.
    assertThat(store.hosts().get(UUID).map(Versioned::value).orElseThrow().groups())
        .containsExactly("lab");

    HttpResponse<String> script = send("GET", "/ipxe/script/" + UUID, null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).isEqualTo("#!ipxe\necho " + UUID + " says hello");
    assertThat(script.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    String etag = script.headers().firstValue("etag").orElseThrow();
    assertThat(send("GET", "/ipxe/script/" + UUID, null, "If-None-Match", etag).statusCode())
        .isEqualTo(304);

    // A change made in the tool's own store shows at once.
    store
        .groups()
        .replace(
            "lab",
            store.groups().get("lab").orElseThrow().value().with("greeting", "bye"),
            java.util.Optional.empty());
    assertThat(send("GET", "/ipxe/script/" + UUID, null).body())
        .isEqualTo("#!ipxe\necho " + UUID + " says bye");
    assertThat(send("GET", "/api/1.0/hosts/" + UUID + "?params=all", null).body())
        .contains("\"greeting\":\"bye\"");
  }

  @Test
  void answersErrorsAsTheBergenholmServerDoes() throws Exception {
    HttpResponse<String> unknown = send("GET", "/ipxe/script/" + UUID, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("\"status\":404").contains("ipxe_script");
    HttpResponse<String> notAllowed = send("DELETE", "/ipxe/script/" + UUID, null);
    assertThat(notAllowed.statusCode()).isEqualTo(405);
    assertThat(notAllowed.headers().firstValue("allow")).hasValue("GET, HEAD");
    assertThat(send("POST", "/api/1.0/hosts/x", "[1, 2]").statusCode()).isEqualTo(400);
    assertThat(send("GET", "/api/1.0/nothing", null).statusCode()).isEqualTo(404);
    send("POST", "/api/1.0/hosts/" + UUID, "{\"kernel\": \"http://127.0.0.1:1/vmlinuz\"}");
    HttpResponse<String> image = send("GET", "/ipxe/kernel/" + UUID, null);
    assertThat(image.statusCode()).isEqualTo(501);
    assertThat(image.body()).contains("image streaming is not enabled");
    // The tool's own page sits beside Bergenholm's routes.
    assertThat(send("GET", "/tool/status", null).body()).isEqualTo("inventory tool: up\n");
  }
}
