package io.bergenholm.api;

/**
 * A remote system that Bergenholm drives for the caller (a BMC, a vCenter, libvirt, an image
 * server) failed, refused or did not answer in time. The message carries that system's reason.
 */
public class UpstreamException extends BergenholmException {
  /**
   * Creates the exception.
   *
   * @param message what is wrong, for an operator
   */
  public UpstreamException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what is wrong, for an operator
   * @param cause the underlying failure
   */
  public UpstreamException(String message, Throwable cause) {
    super(message, cause);
  }
}
