package io.bergenholm.api;

/**
 * Input that cannot be accepted: a malformed body, a name that is not allowed, a parameter of the
 * wrong type, a group that does not exist, a reference cycle. The message names the host, group,
 * key or line.
 */
public class BadInputException extends BergenholmException {
  /**
   * Creates the exception.
   *
   * @param message what is wrong, for an operator
   */
  public BadInputException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what is wrong, for an operator
   * @param cause the underlying failure
   */
  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
