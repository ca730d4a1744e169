package io.bergenholm.power.ipmi;

import io.bergenholm.api.UpstreamException;

/** The BMC did not answer a request, nor any of its resends, in time. */
final class IpmiTimeoutException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  IpmiTimeoutException(String message) {
    super(message);
  }
}
