package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.assertError;
import static io.bergenholm.netboot.http.HttpRoutesTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on the management side, the open boot side, separate listeners and TLS. */
class AuthAndTlsTest {
  private static final String RW = "rw-token-0123456789abcdef";
  private static final String RO = "ro-token-0123456789abcdef";

  @TempDir Path dir;

  private TestServer withTokens(HttpSettings settings) throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# operators\nrw " + RW + " alice\n\nro " + RO + " monitoring\n");
    return TestServer.start(
            TestServer.memoryEngine(), settings.withTokens(AccessTokens.read(tokens)))
        .seeded();
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  @Test
  void managementNeedsTokensBootSideStaysOpen() throws IOException {
    try (TestServer s = withTokens(HttpSettings.of(TestServer.loopback()))) {
      HttpResponse<String> none = s.get("/api/1.0/hosts/");
      assertError(none, 401, "bearer token");
      assertThat(none.headers().firstValue("www-authenticate").orElseThrow()).startsWith("Bearer");
      assertError(s.get("/api/1.0/hosts/", bearer("wrong-token-0123456789")), 401, "not valid");

      assertThat(s.get("/api/1.0/hosts/", bearer(RO)).statusCode()).isEqualTo(200);
      assertThat(s.get("/api/1.0/power/samplehost", bearer(RO)).statusCode()).isEqualTo(400);
      assertError(s.send("POST", "/api/1.0/hosts/x", "{}", bearer(RO)), 403, "read-write");
      assertError(
          s.send("PUT", "/api/1.0/power/samplehost", "{\"power\":\"on\"}", bearer(RO)),
          403,
          "read-write");
      assertError(s.send("DELETE", "/api/1.0/templates/ks", null, bearer(RO)), 403, "read-write");
      assertThat(s.send("POST", "/api/1.0/hosts/x", "{}", bearer(RW)).statusCode()).isEqualTo(201);

      // Secrets: masked for everyone; shown only to a read-write token that asks.
      assertThat(json(s.get("/api/1.0/groups/default", bearer(RO))).path("root_password").asText())
          .isEqualTo(Secrets.MASK);
      assertError(s.get("/api/1.0/groups/default?secrets=show", bearer(RO)), 403, "read-write");
      assertThat(
              json(s.get("/api/1.0/groups/default?secrets=show", bearer(RW)))
                  .path("root_password")
                  .asText())
          .isEqualTo("hunter2hunter2");

      // The boot side: scripts, registration, kickstarts, the installed mark, health.
      assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);
      assertThat(s.get("/ipxe/boot.ipxe").statusCode()).isEqualTo(200);
      assertThat(
              s.get("/ipxe/register/0e5d9d1c-0000-4000-8000-00000000abcd?product=x").statusCode())
          .isEqualTo(201);
      // Kickstarts and the installed mark: the host's own boot credential, or a token; not anyone.
      String token =
          s.engine.bootCredentials().issue("samplehost", java.net.InetAddress.getLoopbackAddress());
      assertError(s.get("/api/1.0/templates/ks/samplehost"), 403, "boot credential");
      assertThat(s.get("/api/1.0/templates/ks/samplehost?boot_token=" + token).body())
          .contains("rootpw hunter2hunter2");
      assertThat(s.get("/api/1.0/templates/ks/samplehost", bearer(RO)).statusCode()).isEqualTo(200);
      assertError(s.get("/api/1.0/hosts/samplehost?installed=mark"), 403, "boot credential");
      assertError(
          s.get("/api/1.0/hosts/samplehost?installed=mark", bearer(RO)), 403, "boot credential");
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=mark&boot_token=" + token).statusCode())
          .isEqualTo(200);
      assertThat(s.get("/api/1.0/hosts/samplehost?installed=unmark", bearer(RW)).statusCode())
          .isEqualTo(200);
      assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(s.get("/readyz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void servesManagementOnItsOwnListener() throws IOException {
    HttpSettings settings =
        HttpSettings.of(TestServer.loopback())
            .withManagement(Listener.plain(TestServer.loopback()));
    try (TestServer s = withTokens(settings)) {
      int mgmtPort = s.server.managementAddress().orElseThrow().getPort();
      assertThat(mgmtPort).isNotEqualTo(s.server.bootAddress().getPort());
      assertError(s.get("/api/1.0/hosts/", bearer(RW)), 404, "management address");
      assertThat(s.get("/ipxe/script/samplehost").statusCode()).isEqualTo(200);

      TestServer mgmt = s.atPort(mgmtPort);
      assertThat(mgmt.get("/api/1.0/hosts/", bearer(RW)).statusCode()).isEqualTo(200);
      assertError(mgmt.get("/api/1.0/hosts/"), 401, "bearer");
    }
  }

  @Test
  void parsesTokenFilesStrictly() throws IOException {
    Path bad = dir.resolve("bad");
    Files.writeString(bad, "rw short\n");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AccessTokens.read(bad)))
        .hasMessageContaining("line 1")
        .hasMessageContaining("16 characters");
    Files.writeString(bad, "admin " + RW + "\n");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AccessTokens.read(bad)))
        .hasMessageContaining("'rw' or 'ro'");
    assertThat(AccessTokens.of(Map.of(RW, Access.READ_WRITE)).lookup(RW))
        .hasValue(Access.READ_WRITE);
    assertThat(AccessTokens.of(Map.of(RW, Access.READ_WRITE)).lookup(RO)).isEmpty();
  }

  @Test
  void servesTlsFromPemFiles() throws Exception {
    assumeTrue(
        onPath("openssl") && onPath("curl"),
        "openssl and curl are needed to make and check a certificate");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        cert.toString(),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    HttpSettings settings =
        HttpSettings.of(TestServer.loopback())
            .withBoot(new Listener(TestServer.loopback(), Optional.of(new TlsFiles(cert, key))));
    try (TestServer s = TestServer.start(TestServer.memoryEngine(), settings).seeded()) {
      int port = s.server.bootAddress().getPort();
      String out =
          run(
              "curl",
              "-sS",
              "--cacert",
              cert.toString(),
              "https://127.0.0.1:" + port + "/ipxe/script/samplehost",
              "https://127.0.0.1:" + port + "/ipxe/boot.ipxe");
      assertThat(out)
          .startsWith("#!ipxe")
          .contains(
              "imgfetch --name bergenholm-script https://127.0.0.1:" + port + "/ipxe/script/");
      // Plain HTTP on the TLS port gets nothing useful.
      String plain =
          run(
              "curl",
              "-s",
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              "--max-time",
              "5",
              "http://127.0.0.1:" + port + "/healthz");
      assertThat(plain).isNotEqualTo("200");
    }
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }
}
