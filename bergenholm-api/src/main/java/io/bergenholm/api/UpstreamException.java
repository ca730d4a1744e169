package io.bergenholm.api;

/**
 * A remote system that Bergenholm drives for the caller (a BMC, a vCenter, libvirt, an image
 * server) failed, refused or did not answer in time. The message carries that system's reason.
 */
public class UpstreamException extends BergenholmException {
  public UpstreamException(String message) {
    super(message);
  }

  public UpstreamException(String message, Throwable cause) {
    super(message, cause);
  }
}
