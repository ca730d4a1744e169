package io.bergenholm.engine.image;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import io.bergenholm.api.image.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches images over HTTP/1.1 and HTTPS on blocking sockets ({@link UpstreamConnection}), one
 * connection per fetch: the body is read from the socket straight into the download's buffers.
 * Redirects are reported (as {@link GuardedSource.Redirect}, for the source policy to check and
 * follow), the connect timeout and the read timeout are both {@link ImageRequest#timeout()} (and
 * the response head must arrive within it), conditional requests are made for a cached copy, and
 * the host's proxy is used when it has one: absolute-form requests for {@code http}, a {@code
 * CONNECT} tunnel for {@code https}. A user name and password in the proxy's URL answer its 407
 * challenge (they are not sent unasked); those in the image's URL are sent as Basic authorization
 * to the image's server only. Neither appears in a message.
 *
 * <p>The JDK's {@code HttpClient} did this before; on a fast mirror it delivered about half a GB/s,
 * below what one download can write and hash, while a plain socket reads at memory speed.
 */
final class HttpImageSource implements ImageSource {
  private static final String USER_AGENT = "Bergenholm";
  private static final int PROXY_AUTHENTICATION_REQUIRED = 407;

  private final SSLSocketFactory tls;

  /** With the JVM's default trust (its {@code cacerts}, or {@code javax.net.ssl.trustStore}). */
  HttpImageSource() {
    this(null);
  }

  /**
   * @param tls the TLS sockets to use for {@code https}, or null for the JVM's default
   */
  HttpImageSource(SSLSocketFactory tls) {
    this.tls = tls;
  }

  @Override
  public ImageResponse fetch(ImageRequest request) {
    URI uri = request.uri();
    String shown = Urls.redact(uri);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new UpstreamException(shown + " is not an http or https URL with a host");
    }
    Optional<String> proxyAuthorization = Optional.empty();
    while (true) {
      UpstreamConnection c = null;
      try {
        c = connect(request, shown, proxyAuthorization);
        c.send(requestHead(request, proxyAuthorization));
        UpstreamConnection.Head head = c.readHead();
        if (head.status() == PROXY_AUTHENTICATION_REQUIRED
            && request.proxy().isPresent()
            && !scheme.equals("https")) {
          c.close();
          proxyAuthorization = answerChallenge(request, proxyAuthorization);
          continue;
        }
        ImageResponse response = respond(request, shown, c, head);
        c = null; // the response's body owns the connection now
        return response;
      } catch (ProxyChallenge challenge) {
        proxyAuthorization = answerChallenge(request, proxyAuthorization);
      } catch (UpstreamConnection.ConnectTimeout e) {
        throw new UpstreamException(e.getMessage() + via(request), e);
      } catch (SocketTimeoutException e) {
        throw new UpstreamException(
            shown
                + " sent no response within "
                + request.timeout().toMillis()
                + " ms"
                + via(request),
            e);
      } catch (InterruptedIOException e) {
        Thread.currentThread().interrupt();
        throw new UpstreamException("interrupted fetching " + shown, e);
      } catch (UnknownHostException e) {
        throw new UpstreamException(
            "fetching " + shown + via(request) + " failed: unknown host " + e.getMessage(), e);
      } catch (IOException e) {
        throw new UpstreamException("fetching " + shown + via(request) + " failed: " + e, e);
      } finally {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  /** Thrown when a proxy asks a CONNECT for credentials. */
  private static final class ProxyChallenge extends IOException {
    ProxyChallenge() {
      super("proxy authentication required");
    }
  }

  /**
   * The Proxy-Authorization that answers a 407: the proxy URL's credentials, once; a second 407, or
   * one with no credentials to give, is the answer.
   */
  private static Optional<String> answerChallenge(ImageRequest request, Optional<String> sent) {
    URI proxy = request.proxy().orElseThrow();
    Optional<String> credentials = basicAuthorization(proxy);
    if (credentials.isEmpty()) {
      throw new UpstreamException(
          "proxy "
              + Urls.redact(proxy)
              + " requires credentials (HTTP 407); give them in proxy_url");
    }
    if (sent.isPresent()) {
      throw new UpstreamException(
          "proxy " + Urls.redact(proxy) + " refused the credentials in proxy_url (HTTP 407)");
    }
    return credentials;
  }

  /** A connection ready for the request: to the server, or through the proxy (tunnelled). */
  private UpstreamConnection connect(
      ImageRequest request, String shown, Optional<String> proxyAuthorization) throws IOException {
    URI uri = request.uri();
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    String host = bare(uri.getHost());
    int port = uri.getPort() < 0 ? (https ? 443 : 80) : uri.getPort();
    UpstreamConnection c;
    if (request.proxy().isEmpty()) {
      c = UpstreamConnection.open(shown, host, port, request.timeout());
    } else {
      URI proxy = request.proxy().get();
      int proxyPort = proxy.getPort() < 0 ? defaultPort(proxy) : proxy.getPort();
      c =
          UpstreamConnection.open(
              "proxy " + Urls.redact(proxy), bare(proxy.getHost()), proxyPort, request.timeout());
      if (https) {
        // CONNECT names the port always (RFC 9110 9.3.6).
        String literal = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        tunnel(c, request, literal + ":" + port, proxyAuthorization);
      }
    }
    if (https) {
      c.startTls(tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault(), host, port);
    }
    return c;
  }

  private static void tunnel(
      UpstreamConnection c,
      ImageRequest request,
      String authority,
      Optional<String> proxyAuthorization)
      throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("CONNECT " + authority + " HTTP/1.1");
    lines.add("Host: " + authority);
    lines.add("User-Agent: " + USER_AGENT);
    proxyAuthorization.ifPresent(a -> lines.add("Proxy-Authorization: " + a));
    c.send(lines);
    UpstreamConnection.Head head = c.readHead();
    if (head.status() == PROXY_AUTHENTICATION_REQUIRED) {
      c.close();
      throw new ProxyChallenge();
    }
    if (head.status() / 100 != 2) {
      c.close();
      throw new UpstreamException(
          "proxy "
              + Urls.redact(request.proxy().orElseThrow())
              + " refused to tunnel to "
              + authority
              + " (HTTP "
              + head.status()
              + ")");
    }
  }

  private static List<String> requestHead(ImageRequest request, Optional<String> proxyAuth) {
    URI uri = request.uri();
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    boolean absoluteForm = request.proxy().isPresent() && !https;
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    if (absoluteForm) {
      target = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + authority(uri, 80) + target;
    }
    List<String> lines = new ArrayList<>();
    lines.add("GET " + target + " HTTP/1.1");
    lines.add("Host: " + authority(uri, https ? 443 : 80));
    lines.add("User-Agent: " + USER_AGENT);
    lines.add("Accept: */*");
    basicAuthorization(uri).ifPresent(a -> lines.add("Authorization: " + a));
    if (absoluteForm) {
      proxyAuth.ifPresent(a -> lines.add("Proxy-Authorization: " + a));
    }
    request.ifNoneMatch().ifPresent(tag -> lines.add("If-None-Match: " + fieldValue(tag)));
    request
        .ifModifiedSince()
        .ifPresent(date -> lines.add("If-Modified-Since: " + fieldValue(date)));
    lines.add("Connection: close");
    return lines;
  }

  private static ImageResponse respond(
      ImageRequest request, String shown, UpstreamConnection c, UpstreamConnection.Head head)
      throws IOException {
    int status = head.status();
    Optional<String> etag = head.first("etag");
    Optional<String> lastModified = head.first("last-modified");
    if (status == 200) {
      OptionalLong length =
          head.all("transfer-encoding").isEmpty() ? c.contentLength(head) : OptionalLong.empty();
      InputStream body = c.body(head);
      return new ImageResponse(false, length, etag, lastModified, body);
    }
    if (status == 304) {
      return new ImageResponse(
          true, OptionalLong.empty(), etag, lastModified, InputStream.nullInputStream());
    }
    if (status == 404 || status == 410) {
      throw new NotFoundException("image", shown);
    }
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
      Optional<String> location = head.first("location");
      if (location.isPresent()) {
        URI next;
        try {
          next = new URI(location.get().trim());
        } catch (URISyntaxException e) {
          throw new UpstreamException(shown + " redirected to a location that is not a URL");
        }
        throw new GuardedSource.Redirect(shown, status, next);
      }
    }
    if (status == PROXY_AUTHENTICATION_REQUIRED && request.proxy().isPresent()) {
      // Only for https, where the tunnel was set up already: the server itself asked.
      throw new UpstreamException(shown + " answered HTTP 407");
    }
    throw new UpstreamException(shown + via(request) + " answered HTTP " + status);
  }

  /** host[:port] for a Host field or a CONNECT, the port left out when it is the default. */
  private static String authority(URI uri, int defaultPort) {
    String host = uri.getHost();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    int port = uri.getPort();
    return port < 0 || port == defaultPort ? host : host + ":" + port;
  }

  /** An IPv6 literal without its brackets, as the resolver and TLS want it. */
  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** A value that came from a cached response, refused if it could split the request. */
  private static String fieldValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f) {
        throw new UpstreamException("a cached validator holds a control character");
      }
    }
    return value;
  }

  private static int defaultPort(URI proxy) {
    return "https".equalsIgnoreCase(proxy.getScheme()) ? 443 : 80;
  }

  private static String via(ImageRequest request) {
    return request.proxy().map(p -> " (through proxy " + Urls.redact(p) + ")").orElse("");
  }

  /** Basic credentials from a URL's user information, if it has any. */
  private static Optional<String> basicAuthorization(URI uri) {
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      return Optional.empty();
    }
    String decoded = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
    return Optional.of(
        "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8)));
  }
}
