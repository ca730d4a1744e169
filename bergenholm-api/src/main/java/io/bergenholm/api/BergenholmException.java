package io.bergenholm.api;

/**
 * Base of every failure that Bergenholm reports to a caller. Each subclass stands for one thing the
 * caller can act on, and every transport maps it the same way:
 *
 * <ul>
 *   <li>{@link NotFoundException}: the named host, group, template or image does not exist (404);
 *   <li>{@link AlreadyExistsException}: a create met an existing record (400 in the compatible REST
 *       API, which the Python project answered so);
 *   <li>{@link StaleVersionException}: a conditional write named a version that is no longer
 *       current (412);
 *   <li>{@link BadInputException}: the caller's input, or stored data it refers to, is invalid; the
 *       message says which host, key, group or template line (400);
 *   <li>{@link UnavailableException}: a backing system (store, database) cannot be reached now; the
 *       same call may succeed later (503);
 *   <li>{@link UpstreamException}: a remote system that Bergenholm talks to on the caller's behalf
 *       (a BMC, a vCenter, an image server) failed or refused (502).
 * </ul>
 *
 * <p>Messages are written for an operator: they name the record and the key, never a password.
 */
public abstract class BergenholmException extends RuntimeException {
  /**
   * Creates the exception.
   *
   * @param message what went wrong, for an operator
   */
  protected BergenholmException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, for an operator
   * @param cause the underlying failure
   */
  protected BergenholmException(String message, Throwable cause) {
    super(message, cause);
  }
}
