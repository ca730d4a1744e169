package io.bergenholm.api;

/**
 * A backing system cannot be reached now (database down, disk unreadable); retrying may succeed.
 */
public final class UnavailableException extends BergenholmException {
  /**
   * Creates the exception.
   *
   * @param message what is wrong, for an operator
   */
  public UnavailableException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what is wrong, for an operator
   * @param cause the underlying failure
   */
  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
