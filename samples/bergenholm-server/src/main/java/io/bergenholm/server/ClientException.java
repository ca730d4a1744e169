package io.bergenholm.server;

/** A client command failed; the message is for the operator, the code for scripts. */
final class ClientException extends RuntimeException {
  private final int exitCode;

  ClientException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
