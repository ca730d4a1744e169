package io.bergenholm.netboot.http;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A server certificate chain and its private key, both PEM. iPXE accepts only RSA server
 * certificates, so the boot side should be given an RSA key.
 */
public record TlsFiles(Path certificateChain, Path privateKey) {
  public TlsFiles {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
  }
}
