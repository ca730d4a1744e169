package io.bergenholm.netboot.http;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/** One listening address (port 0 picks a free port), optionally with TLS. */
public record Listener(InetSocketAddress address, Optional<TlsFiles> tls) {
  public Listener {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(tls, "tls");
  }

  public static Listener plain(InetSocketAddress address) {
    return new Listener(address, Optional.empty());
  }

  /** Whether clients beyond this machine can reach the address. */
  boolean beyondLoopback() {
    return !address.getAddress().isLoopbackAddress();
  }
}
