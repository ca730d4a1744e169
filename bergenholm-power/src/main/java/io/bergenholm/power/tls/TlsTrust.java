package io.bergenholm.power.tls;

import io.bergenholm.api.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which server certificates a driver trusts (a vCenter's, a Redfish BMC's): the JDK's default CAs,
 * the CAs of a PEM file, or (for labs only, and only when asked for by name) any certificate for
 * any host name.
 */
public record TlsTrust(Optional<Path> caFile, boolean insecure) {
  public static final TlsTrust DEFAULT = new TlsTrust(Optional.empty(), false);

  /**
   * @throws BadInputException if the CA file cannot be read or holds no certificate
   */
  public SSLContext sslContext() {
    try {
      if (insecure) {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new TrustEverything()}, null);
        return c;
      }
      if (caFile.isEmpty()) {
        return SSLContext.getDefault();
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      Collection<? extends Certificate> certs;
      try (InputStream in = Files.newInputStream(caFile.get())) {
        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (certs.isEmpty()) {
        throw new BadInputException("CA file " + caFile.get() + " holds no PEM certificate");
      }
      int i = 0;
      for (Certificate cert : certs) {
        store.setCertificateEntry("ca" + i++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, tmf.getTrustManagers(), null);
      return c;
    } catch (IOException | GeneralSecurityException e) {
      throw new BadInputException(
          "CA file "
              + caFile.map(Path::toString).orElse("(none)")
              + " cannot be used: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Accepts every certificate. Being an {@link X509ExtendedTrustManager}, it also stands in for the
   * host name check that the JDK would otherwise add around a plain trust manager.
   */
  private static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
