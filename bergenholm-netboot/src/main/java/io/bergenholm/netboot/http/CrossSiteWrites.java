package io.bergenholm.netboot.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses writes that a web browser makes on behalf of another site (CSRF): without a tokens file
 * the management API is open, and any page a browser on the provisioning network opens could
 * otherwise post a form to it.
 *
 * <p>Browsers mark such requests, and scripts and the CLI do not: a write is refused when {@code
 * Sec-Fetch-Site} says {@code cross-site} or {@code same-site}, or when it carries an {@code
 * Origin} whose host and port are not the {@code Host} the request was sent to ({@code Origin:
 * null} included). A JSON body sent as {@code multipart/form-data}, which only a form would send,
 * is refused too. {@code curl -d}, which labels JSON as a form, keeps working: it sends neither
 * header.
 */
final class CrossSiteWrites {
  private CrossSiteWrites() {}

  /** Why this write must be refused, if it must. */
  static Optional<String> refusal(HttpHeaders headers, boolean jsonBody) {
    String site = headers.get("Sec-Fetch-Site");
    if (site != null) {
      String s = site.strip().toLowerCase(Locale.ROOT);
      if (!s.equals("same-origin") && !s.equals("none")) {
        return Optional.of(
            "a browser sent this write from another site (Sec-Fetch-Site: "
                + site.strip()
                + "); writes are accepted from scripts, the CLI, or pages of this server only");
      }
    }
    String origin = headers.get(HttpHeaderNames.ORIGIN);
    if (origin != null && !sameOrigin(origin.strip(), headers.get(HttpHeaderNames.HOST))) {
      return Optional.of(
          "a browser sent this write from another origin ("
              + printable(origin)
              + "); writes are accepted from scripts, the CLI, or pages of this server only");
    }
    if (jsonBody) {
      String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
      if (type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
        return Optional.of(
            "a JSON body cannot be sent as multipart/form-data; send Content-Type: application/json");
      }
    }
    return Optional.empty();
  }

  private static boolean sameOrigin(String origin, String host) {
    if (host == null) {
      return false;
    }
    try {
      URI u = new URI(origin);
      if (u.getHost() == null || u.getScheme() == null) {
        return false;
      }
      int port =
          u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
      String h = host.strip().toLowerCase(Locale.ROOT);
      String expected = u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
      String bare = u.getHost().toLowerCase(Locale.ROOT);
      boolean defaultPort = port == (u.getScheme().equalsIgnoreCase("https") ? 443 : 80);
      return h.equals(expected) || (defaultPort && h.equals(bare));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
