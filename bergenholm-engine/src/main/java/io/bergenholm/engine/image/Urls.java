package io.bergenholm.engine.image;

import io.bergenholm.api.SecretMask;
import java.net.URI;

/** URL helpers shared by the image sources and the service. */
final class Urls {
  private Urls() {}

  /** The URL as it may appear in logs and error messages: its password masked, as everywhere. */
  static String redact(URI uri) {
    return SecretMask.maskUrlCredentials(uri.toString());
  }

  static URI withoutUserInfo(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri;
    }
    StringBuilder s =
        new StringBuilder(uri.getScheme())
            .append("://")
            .append(uri.getRawAuthority().substring(uri.getRawAuthority().lastIndexOf('@') + 1));
    if (uri.getRawPath() != null) {
      s.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      s.append('?').append(uri.getRawQuery());
    }
    return URI.create(s.toString());
  }
}
