package io.bergenholm.api;

/**
 * Input that cannot be accepted: a malformed body, a name that is not allowed, a parameter of the
 * wrong type, a group that does not exist, a reference cycle. The message names the host, group,
 * key or line.
 */
public class BadInputException extends BergenholmException {
  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
