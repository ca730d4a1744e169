package io.bergenholm.server;

import picocli.CommandLine;

/** Starts {@code serve} in this JVM from a command line, as the tests of this module need it. */
final class Serving {
  private Serving() {}

  /**
   * Parses {@code args} (starting with {@code serve}) as the CLI does and starts the server.
   *
   * @return the running server, which the caller closes
   */
  static ServeCommand.Running serve(String... args) {
    CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args);
    return ((ServeCommand) parsed.subcommand().commandSpec().userObject()).start();
  }
}
