package io.bergenholm.server;

import static io.bergenholm.server.Serving.serve;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line as an operator meets it: help on every command, typos answered with the nearest
 * valid name, the store checks, and each exit code the README documents, from real runs of {@link
 * Main#run} against real sockets.
 */
class CliUsageTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  /** Every command path: "serve", "host", "host list", ... */
  private static List<List<String>> commandPaths(CommandLine cl, List<String> prefix) {
    List<List<String>> paths = new ArrayList<>();
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(sub.getKey());
      paths.add(path);
      paths.addAll(commandPaths(sub.getValue(), path));
    }
    return paths;
  }

  @Test
  void everyCommandAndSubcommandTakesHelp() {
    List<List<String>> paths = commandPaths(new CommandLine(new Main()), List.of());
    assertThat(paths)
        .extracting(p -> String.join(" ", p))
        .contains(
            "serve", "host list", "group show", "template delete", "power status", "completion");
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertThat(r.code()).as("%s: %s", args, r.err()).isZero();
      assertThat(r.out())
          .as("%s", args)
          .contains("Usage: bergenholm " + String.join(" ", path) + " ");
    }
    Result top = run("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("serve", "completion");
  }

  @Test
  void versionComesFromTheBuild() throws IOException {
    Result r = run("--version");
    assertThat(r.code()).isZero();
    String pomVersion = PomFiles.projectVersion(Path.of("pom.xml"));
    assertThat(r.out()).startsWith("Bergenholm " + pomVersion + System.lineSeparator());
    assertThat(run("serve", "--version").out()).startsWith("Bergenholm " + pomVersion);
  }

  @Test
  void unknownFlagsAndCommandsAreUsageErrorsNamingTheNearestName() {
    Result flag = run("serve", "--htttp", "127.0.0.1:0");
    assertThat(flag.code()).isEqualTo(Main.USAGE);
    assertThat(flag.err())
        .contains("unknown option '--htttp', did you mean '--http'?")
        .contains("bergenholm serve --help");
    Result command = run("host", "lsit");
    assertThat(command.code()).isEqualTo(Main.USAGE);
    assertThat(command.err()).contains("unknown command 'lsit', did you mean 'list'?");
    Result top = run("sevre");
    assertThat(top.code()).isEqualTo(Main.USAGE);
    assertThat(top.err()).contains("did you mean 'serve'?");
    Result far = run("serve", "--completely-different");
    assertThat(far.code()).isEqualTo(Main.USAGE);
    assertThat(far.err())
        .contains("unknown option '--completely-different'")
        .doesNotContain("did you mean");
    Result missing = run("host", "show");
    assertThat(missing.code()).isEqualTo(Main.USAGE);
    assertThat(missing.err()).contains("Missing required parameter");
  }

  @Test
  void unknownConfigKeysAreRefusedWithTheLineAndTheNearestKey() throws IOException {
    Path conf = dir.resolve("bergenholm.conf");
    Files.writeString(conf, "# a comment\nstore=memory:\n\nhtttp=127.0.0.1:0\n");
    Result r = run("serve", "--config", conf.toString());
    assertThat(r.code()).isEqualTo(Main.START_FAILED);
    assertThat(r.err())
        .contains("config file " + conf + " line 4: unknown key 'htttp', did you mean 'http'?");

    Files.writeString(
        conf, "store=memory:\nhttp=127.0.0.1:0\nengine.cache.max_hosts=10\nstor-dir=x\n");
    Result far = run("serve", "--config", conf.toString());
    assertThat(far.code()).isEqualTo(Main.START_FAILED);
    assertThat(far.err()).contains("line 4: unknown key 'stor-dir'");

    Files.writeString(
        conf, "store=memory:\nhttp=127.0.0.1:0\nengine.cache.max_hosts=10\nmax-body=2048\n");
    try (ServeCommand.Running ok = serve("serve", "--config", conf.toString())) {
      assertThat(ok.bootAddress().getPort()).isPositive();
    }
  }

  @Test
  void aStoreWithoutSchemeSuggestsFile() {
    Result r = run("serve", "--store", dir.toString(), "--http", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(Main.START_FAILED);
    assertThat(r.err())
        .contains("has no scheme; did you mean 'file:" + dir.toAbsolutePath() + "'?");
  }

  @Test
  void aMissingStoreDirectoryIsAnErrorUnlessInit() throws IOException {
    Path missing = dir.resolve("no/such/store");
    Result r = run("serve", "--store", "file:" + missing, "--http", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(Main.START_FAILED);
    assertThat(r.err()).contains("directory " + missing + " does not exist (add --init");
    assertThat(missing).doesNotExist();
    assertThat(missing.getParent()).doesNotExist();

    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    Result notDir = run("serve", "--store", "file:" + file, "--http", "127.0.0.1:0");
    assertThat(notDir.code()).isEqualTo(Main.START_FAILED);
    assertThat(notDir.err()).contains("is not a directory");

    try (ServeCommand.Running s =
        serve("serve", "--store", "file:" + missing, "--init", "--http", "127.0.0.1:0")) {
      assertThat(missing).isDirectory();
      assertThat(s.store()).isEqualTo("file:" + missing);
    }
    Path viaConfig = dir.resolve("from-config");
    Path conf =
        Files.writeString(
            dir.resolve("c.conf"), "store=file:" + viaConfig + "\ninit=true\nhttp=127.0.0.1:0\n");
    try (ServeCommand.Running s = serve("serve", "--config", conf.toString())) {
      assertThat(viaConfig).isDirectory();
      assertThat(s.store()).isEqualTo("file:" + viaConfig);
    }
  }

  @Test
  void exitCodesAreTheDocumentedOnes() throws IOException {
    try (ServeCommand.Running s = serve("serve", "--store", "memory:", "--http", "127.0.0.1:0")) {
      String url = "http://127.0.0.1:" + s.bootAddress().getPort() + "/api/1.0";
      Path group = Files.writeString(dir.resolve("g.json"), "{\"kernel\": \"k\"}");
      assertThat(run("--url", url, "group", "create", "g1", group.toString()).code())
          .isEqualTo(Main.OK);
      Result list = run("--url", url, "group", "list");
      assertThat(list.code()).isEqualTo(0);
      assertThat(list.out()).contains("g1");
      Result notFound = run("--url", url, "host", "show", "no-such-host");
      assertThat(notFound.code()).isEqualTo(1);
      assertThat(notFound.err()).contains("404");
      Result exists = run("--url", url, "group", "create", "g1", group.toString());
      assertThat(exists.code()).isEqualTo(1);

      // 4: the address is taken.
      InetSocketAddress taken = s.bootAddress();
      Result inUse = run("serve", "--store", "memory:", "--http", "127.0.0.1:" + taken.getPort());
      assertThat(inUse.code()).isEqualTo(4);
      assertThat(inUse.err()).startsWith("bergenholm serve: ");
    }
    assertThat(run("host", "list", "--bogus").code()).isEqualTo(2);

    // 3: nothing listens; and a server that fails with 500.
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Result unreachable =
        run("--url", "http://127.0.0.1:" + closedPort + "/api/1.0", "host", "list");
    assertThat(unreachable.code()).isEqualTo(3);
    assertThat(unreachable.err()).contains("cannot connect");
    HttpServer failing =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    failing.createContext(
        "/",
        exchange -> {
          byte[] body =
              "{\"error\": \"store down\", \"status\": 503}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(503, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    failing.start();
    try {
      Result failed =
          run(
              "--url",
              "http://127.0.0.1:" + failing.getAddress().getPort() + "/api/1.0",
              "host",
              "list");
      assertThat(failed.code()).isEqualTo(3);
      assertThat(failed.err()).contains("503");
    } finally {
      failing.stop(0);
    }
  }

  @Test
  void completionIsGeneratedFromTheCommands() {
    Result r = run("completion");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("complete -F")
        .contains("serve")
        .contains("--store")
        .contains("--init")
        .contains("template");
  }
}
