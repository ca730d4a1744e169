package io.bergenholm.power.ipmi;

import java.util.Objects;

/**
 * Where and as whom to open an RMCP+ session. {@link #toString()} leaves the password out, so an
 * endpoint can be logged.
 *
 * @param privilege the session privilege level: 3 operator or 4 administrator
 */
record BmcEndpoint(
    String host, int port, String user, String password, CipherSuite suite, int privilege) {
  static final int DEFAULT_PORT = 623;
  static final int PRIVILEGE_OPERATOR = 3;
  static final int PRIVILEGE_ADMINISTRATOR = 4;

  BmcEndpoint {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(suite, "suite");
  }

  /** {@code host:port}, bracketing an IPv6 literal. */
  String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return "user '" + user + "' at " + address() + " (cipher suite " + suite.id() + ")";
  }
}
