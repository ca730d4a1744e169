package io.bergenholm.server;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The one entry point: {@code bergenholm serve} runs the server; the other commands are a client
 * of its REST API, mirroring the old Python client.
 *
 * <p>Exit codes: 0 success; 1 the server refused the request (4xx: not found, bad input, stale,
 * not allowed); 2 usage error; 3 the server cannot be reached or failed (5xx); 4 the server could
 * not start.
 */
@Command(
    name = "bergenholm",
    mixinStandardHelpOptions = true,
    version = "Bergenholm 0.1.0",
    description = "Network-boot and kickstart install server, and a client of its REST API.",
    subcommands = {
      ServeCommand.class,
      RecordCommands.HostCommand.class,
      RecordCommands.GroupCommand.class,
      RecordCommands.TemplateCommand.class,
      PowerCommand.class,
      WatchCommand.class,
      HelpCommand.class
    },
    exitCodeOnInvalidInput = Main.USAGE,
    exitCodeOnExecutionException = Main.UNREACHABLE)
public final class Main {
  static final int OK = 0;
  static final int REFUSED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;
  static final int START_FAILED = 4;

  static final String DEFAULT_URL = "http://127.0.0.1:8080/api/1.0";

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      defaultValue = "${env:BERGENHOLM_URL:-" + DEFAULT_URL + "}",
      description = "REST API base URL (env BERGENHOLM_URL; default ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Read the bearer token from FILE (default: env BERGENHOLM_TOKEN).")
  java.nio.file.Path tokenFile;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line; what a command prints goes to {@code out}, diagnostics to {@code err}. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      cmd.getErr().println("bergenholm: " + e.getMessage());
      return e instanceof ClientException ce ? ce.exitCode() : UNREACHABLE;
    });
    return cl.execute(args);
  }

  /** The client for the REST API, from {@code --url} and the token. */
  ApiClient client() {
    return new ApiClient(url, Tokens.fromFileOrEnv(tokenFile));
  }
}
