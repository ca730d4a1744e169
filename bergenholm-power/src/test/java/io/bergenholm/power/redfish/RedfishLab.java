package io.bergenholm.power.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * What the Redfish tests share: a test CA and a server certificate for 127.0.0.1 made with openssl,
 * a libvirt {@code test:///} node, the {@link RedfishTestService} on them, and the real clients
 * {@code redfishtool} and sushy (through {@code sushy_client.py}) run as processes against it.
 */
final class RedfishLab implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String RUNNING = "5d1a8e52-3c57-4f0e-a2c4-7b1e0c9a0001";
  static final String STOPPED = "5d1a8e52-3c57-4f0e-a2c4-7b1e0c9a0002";

  final Path dir;
  final RedfishTestService service;

  RedfishLab(Path dir) throws Exception {
    this.dir = dir;
    makeCertificates(dir);
    Path node = dir.resolve("node.xml");
    Files.writeString(
        node,
        """
        <node>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>running</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type><boot dev='hd'/></os>
            <devices><interface type='network'><source network='default'/></interface></devices>
          </domain>
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>stopped</name><uuid>%s</uuid><memory>65536</memory>
            <os><type>hvm</type><boot dev='hd'/></os>
            <devices><interface type='network'><source network='default'/></interface></devices>
            <test:runstate>5</test:runstate>
          </domain>
        </node>
        """
            .formatted(RUNNING, STOPPED));
    service = new RedfishTestService("test://" + node, serverTls(dir));
  }

  Path ca() {
    return dir.resolve("ca.pem");
  }

  String base() {
    return "127.0.0.1:" + service.port();
  }

  record Run(int exitCode, String output) {
    JsonNode json() {
      try {
        return JSON.readTree(output.substring(output.indexOf('{')));
      } catch (IOException | StringIndexOutOfBoundsException e) {
        throw new AssertionError("not JSON: " + output, e);
      }
    }
  }

  /** {@code redfishtool -r 127.0.0.1:PORT -u .. -p .. -S Always ARGS}, over HTTPS. */
  Run redfishtool(String... args) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "redfishtool",
                "-r",
                base(),
                "-u",
                RedfishTestService.USER,
                "-p",
                RedfishTestService.PASSWORD,
                "-S",
                "Always",
                "-T",
                "20"));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /** sushy, verifying the server against the test CA, with session authentication. */
  Run sushy(String systemName, String... args) throws IOException, InterruptedException {
    Path script = dir.resolve("sushy_client.py");
    if (!Files.exists(script)) {
      try (InputStream in = RedfishLab.class.getResourceAsStream("/redfish/sushy_client.py")) {
        Files.write(script, in.readAllBytes());
      }
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/python3",
                script.toString(),
                "https://" + base() + "/redfish/v1",
                ca().toString(),
                RedfishTestService.USER,
                RedfishTestService.PASSWORD,
                "/redfish/v1/Systems/" + systemName));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /**
   * curl verifying against the test CA, with basic authentication: a client with no Redfish logic.
   */
  Run curl(String method, String path, String body) throws IOException, InterruptedException {
    return run(
        List.of(
            "curl",
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            ca().toString(),
            "-u",
            RedfishTestService.USER + ":" + RedfishTestService.PASSWORD,
            "-X",
            method,
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            "-w",
            "\n%{http_code}\n",
            "https://" + base() + path));
  }

  private Run run(List<String> cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    // requests lets these override the CA a client names (sushy's verify=): the clients must
    // check the server against the test CA only.
    for (String v :
        List.of(
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "https_proxy",
            "HTTPS_PROXY")) {
      pb.environment().remove(v);
    }
    pb.environment().put("NO_PROXY", "127.0.0.1");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not end within 60 s");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static void makeCertificates(Path dir) throws IOException, InterruptedException {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Bergenholm Redfish test CA");
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext");
    openssl(
        dir,
        "pkcs12",
        "-export",
        "-in",
        "server.pem",
        "-inkey",
        "server.key",
        "-out",
        "server.p12",
        "-passout",
        "pass:changeit");
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static SSLContext serverTls(Path dir) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf.getKeyManagers(), null, null);
    return c;
  }

  @Override
  public void close() {
    service.close();
  }
}
