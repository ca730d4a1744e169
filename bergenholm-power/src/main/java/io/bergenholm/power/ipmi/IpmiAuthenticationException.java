package io.bergenholm.power.ipmi;

import io.bergenholm.api.UpstreamException;

/**
 * The BMC refused the user name or password; the message names user and BMC, never the password.
 */
final class IpmiAuthenticationException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  IpmiAuthenticationException(BmcEndpoint endpoint, String reason) {
    super(
        "IPMI authentication failed for user '"
            + endpoint.user()
            + "' at "
            + endpoint.address()
            + ": "
            + reason);
  }
}
