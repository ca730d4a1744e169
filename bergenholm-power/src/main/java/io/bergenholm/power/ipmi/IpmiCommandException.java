package io.bergenholm.power.ipmi;

import io.bergenholm.api.UpstreamException;

/** The BMC answered a command with a completion code other than success. */
final class IpmiCommandException extends UpstreamException {
  private static final long serialVersionUID = 1L;
  private final int completionCode;

  IpmiCommandException(String message, int completionCode) {
    super(message);
    this.completionCode = completionCode;
  }

  int completionCode() {
    return completionCode;
  }
}
