package io.bergenholm.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Parses {@code ADDR:PORT}, {@code [v6]:PORT} and {@code :PORT} (all addresses). */
final class Addresses {
  private Addresses() {}

  static InetSocketAddress parse(String option, String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0 || value.startsWith("[") && !value.substring(0, colon).endsWith("]")) {
      throw new IllegalArgumentException(option + " '" + value + "' must be ADDR:PORT");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + value + "': the port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(option + " '" + value + "': the port must be 0 to 65535");
    }
    try {
      return new InetSocketAddress(
          host.isEmpty() ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(option + " '" + value + "': unknown address " + host);
    }
  }
}
