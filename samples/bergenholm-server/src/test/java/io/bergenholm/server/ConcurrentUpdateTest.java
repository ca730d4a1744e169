package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two operators edit one record at once with the CLI against a running server: the second update is
 * refused with 412 instead of silently overwriting the first.
 */
class ConcurrentUpdateTest {
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
    CommandLine cl = new CommandLine(new Main());
    ServeCommand serve =
        (ServeCommand)
            cl.parseArgs(
                    "serve", "--data-dir", dir.resolve("data").toString(), "--http", "127.0.0.1:0")
                .subcommand()
                .commandSpec()
                .userObject();
    server = serve.start();
    url = "http://127.0.0.1:" + server.bootAddress().getPort() + "/api/1.0";
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String etag(Result shown) {
    return shown
        .err()
        .lines()
        .filter(l -> l.startsWith("ETag: "))
        .map(l -> l.substring(6))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aSecondEditOfTheSameVersionIsRefused() throws Exception {
    Path alice =
        Files.writeString(
            dir.resolve("alice.json"), "{\"groups\": [\"default\"], \"owner\": \"alice\"}");
    Path bob =
        Files.writeString(
            dir.resolve("bob.json"), "{\"groups\": [\"default\"], \"owner\": \"bob\"}");
    Path first =
        Files.writeString(
            dir.resolve("first.json"), "{\"groups\": [\"default\"], \"owner\": \"nobody\"}");
    assertThat(cli("host", "create", "h1", first.toString()).code()).isZero();

    // Both read the host, each to edit it.
    Result aliceRead = cli("host", "show", "h1", "--etag");
    Result bobRead = cli("host", "show", "h1", "--etag");
    assertThat(etag(aliceRead)).isEqualTo(etag(bobRead)).startsWith("\"");

    assertThat(cli("host", "update", "h1", alice.toString(), "--if-match", etag(aliceRead)).code())
        .isZero();
    Result late = cli("host", "update", "h1", bob.toString(), "--if-match", etag(bobRead));
    assertThat(late.code()).isEqualTo(Main.REFUSED);
    assertThat(late.err()).contains("412").contains("changed since it was read");
    assertThat(cli("host", "show", "h1").out()).contains("alice").doesNotContain("bob");

    // Read again, then the change goes through.
    Result again = cli("host", "show", "h1", "--etag");
    assertThat(cli("host", "update", "h1", bob.toString(), "--if-match", etag(again)).code())
        .isZero();
    assertThat(cli("host", "show", "h1").out()).contains("bob");
    // Without --if-match, update sends the tag it reads just before writing.
    assertThat(cli("host", "update", "h1", alice.toString()).code()).isZero();
    assertThat(
            cli("host", "update", "h1", first.toString(), "--if-match", "\"not-the-version\"")
                .err())
        .contains("412");
    assertThat(cli("host", "show", "h1").out()).contains("alice");
  }

  @Test
  void groupsAndTemplatesToo() throws Exception {
    Path g1 = Files.writeString(dir.resolve("g1.json"), "{\"ntp\": \"a\"}");
    Path g2 = Files.writeString(dir.resolve("g2.json"), "{\"ntp\": \"b\"}");
    Result read = cli("group", "show", "amd64", "--etag");
    assertThat(cli("group", "update", "amd64", g1.toString(), "--if-match", etag(read)).code())
        .isZero();
    assertThat(cli("group", "update", "amd64", g2.toString(), "--if-match", etag(read)).err())
        .contains("412");

    Path t1 = Files.writeString(dir.resolve("t1"), "#!ipxe\necho one\n");
    Path t2 = Files.writeString(dir.resolve("t2"), "#!ipxe\necho two\n");
    Result tread = cli("template", "show", "localboot.ipxe", "--etag");
    assertThat(
            cli("template", "update", "localboot.ipxe", t1.toString(), "--if-match", etag(tread))
                .code())
        .isZero();
    Result stale =
        cli("template", "update", "localboot.ipxe", t2.toString(), "--if-match", etag(tread));
    assertThat(stale.code()).isEqualTo(Main.REFUSED);
    assertThat(cli("template", "show", "localboot.ipxe").out()).contains("echo one");
  }
}
