package io.bergenholm.server;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The one entry point: {@code bergenholm serve} runs the server; the other commands are a client of
 * its REST API, mirroring the old Python client.
 *
 * <p>Exit codes: 0 success (and {@code --help}, {@code --version}); 1 the server refused the
 * request (4xx: not found, bad input, stale, not allowed); 2 usage error (an unknown command or
 * flag, a missing argument); 3 the server cannot be reached or failed (5xx); 4 {@code serve} could
 * not start (a bad config file or setting, a missing store, an address in use).
 *
 * <p>Every command and subcommand takes {@code --help} (the attributes of this command, help and
 * version options included, are inherited by all of them).
 */
@Command(
    name = "bergenholm",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = BuildVersion.class,
    description = "Network-boot and kickstart install server, and a client of its REST API.",
    subcommands = {
      ServeCommand.class,
      RecordCommands.HostCommand.class,
      RecordCommands.GroupCommand.class,
      RecordCommands.TemplateCommand.class,
      PowerCommand.class,
      WatchCommand.class,
      HelpCommand.class,
      CompletionCommand.class
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

  @Option(
      names = "--url",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      defaultValue = "${env:BERGENHOLM_URL:-" + DEFAULT_URL + "}",
      description = "REST API base URL (env BERGENHOLM_URL; default ${DEFAULT-VALUE}).")
  String url;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Read the bearer token from FILE (default: env BERGENHOLM_TOKEN).")
  java.nio.file.Path tokenFile;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs one command line; what a command prints goes to {@code out}, diagnostics to {@code err}.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExecutionExceptionHandler(
        (e, cmd, parse) -> {
          cmd.getErr().println("bergenholm: " + e.getMessage());
          return e instanceof ClientException ce ? ce.exitCode() : UNREACHABLE;
        });
    return cl.execute(args);
  }

  /**
   * A usage error: the problem, the nearest valid name for an unknown flag or command, and where
   * help is. Exit code {@link #USAGE}.
   */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String wrong = u.getUnmatched().get(0);
      List<String> names = new ArrayList<>();
      if (wrong.startsWith("-")) {
        cmd.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
        err.println(
            name + ": unknown option '" + wrong + "'" + Suggestions.didYouMean(wrong, names));
      } else if (!cmd.getSubcommands().isEmpty()) {
        names.addAll(cmd.getSubcommands().keySet());
        err.println(
            name + ": unknown command '" + wrong + "'" + Suggestions.didYouMean(wrong, names));
      } else {
        err.println(name + ": unexpected argument '" + wrong + "'");
      }
    } else {
      err.println(name + ": " + e.getMessage());
    }
    err.println("See '" + name + " --help'.");
    return USAGE;
  }

  /** The client for the REST API, from {@code --url} and the token. */
  ApiClient client() {
    return new ApiClient(url, Tokens.fromFileOrEnv(tokenFile));
  }
}
