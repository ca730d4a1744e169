package io.bergenholm.engine.image;

import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import io.bergenholm.api.image.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Flow;

/**
 * Fetches images over HTTP and HTTPS with the JDK client: redirects reported (as {@link
 * GuardedSource.Redirect}, for the source policy to check and follow), a connect timeout and a read
 * timeout (both {@link ImageRequest#timeout()}), conditional requests, and the host's proxy when it
 * has one. A user name and password in the URL are sent as Basic authorization and never appear in
 * a message.
 */
final class HttpImageSource implements ImageSource {
  private static final String USER_AGENT = "Bergenholm";

  private record ClientKey(Optional<URI> proxy, Duration connectTimeout) {}

  private final ConcurrentMap<ClientKey, HttpClient> clients = new ConcurrentHashMap<>();

  @Override
  public ImageResponse fetch(ImageRequest request) {
    URI uri = request.uri();
    String shown = Urls.redact(uri);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(Urls.withoutUserInfo(uri))
            .GET()
            .timeout(request.timeout())
            .header("User-Agent", USER_AGENT);
    basicAuthorization(uri).ifPresent(value -> builder.header("Authorization", value));
    request.ifNoneMatch().ifPresent(tag -> builder.header("If-None-Match", tag));
    request.ifModifiedSince().ifPresent(date -> builder.header("If-Modified-Since", date));
    HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
    try {
      response = client(request).send(builder.build(), HttpResponse.BodyHandlers.ofPublisher());
    } catch (HttpConnectTimeoutException e) {
      throw new UpstreamException(
          "connecting to "
              + shown
              + " timed out after "
              + request.timeout().toMillis()
              + " ms"
              + via(request),
          e);
    } catch (HttpTimeoutException e) {
      throw new UpstreamException(
          shown + " sent no response within " + request.timeout().toMillis() + " ms" + via(request),
          e);
    } catch (IOException e) {
      throw new UpstreamException("fetching " + shown + via(request) + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException("interrupted fetching " + shown, e);
    }
    int status = response.statusCode();
    OptionalLong length = contentLength(response);
    Optional<String> etag = response.headers().firstValue("ETag");
    Optional<String> lastModified = response.headers().firstValue("Last-Modified");
    if (status == 200) {
      return new ImageResponse(
          false,
          length,
          etag,
          lastModified,
          new TimedBodyStream(response.body(), request.timeout(), length, shown));
    }
    discard(response.body());
    if (status == 304) {
      return new ImageResponse(
          true, OptionalLong.empty(), etag, lastModified, InputStream.nullInputStream());
    }
    if (status == 404 || status == 410) {
      throw new NotFoundException("image", shown);
    }
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
      Optional<String> location = response.headers().firstValue("Location");
      if (location.isPresent()) {
        try {
          throw new GuardedSource.Redirect(shown, status, new URI(location.get().trim()));
        } catch (java.net.URISyntaxException e) {
          throw new UpstreamException(shown + " redirected to a location that is not a URL");
        }
      }
    }
    throw new UpstreamException(shown + via(request) + " answered HTTP " + status);
  }

  private HttpClient client(ImageRequest request) {
    return clients.computeIfAbsent(
        new ClientKey(request.proxy(), request.timeout()),
        key -> {
          HttpClient.Builder b =
              HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1)
                  // Redirects are followed by GuardedSource, which checks each location first.
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .connectTimeout(key.connectTimeout());
          key.proxy()
              .ifPresent(
                  p -> {
                    b.proxy(
                        ProxySelector.of(
                            new InetSocketAddress(
                                p.getHost(), p.getPort() < 0 ? defaultPort(p) : p.getPort())));
                    proxyCredentials(p).ifPresent(b::authenticator);
                  });
          return b.build();
        });
  }

  /** A user name and password in {@code proxy_url} answer the proxy's challenge (407). */
  private static Optional<Authenticator> proxyCredentials(URI proxy) {
    String userInfo = proxy.getRawUserInfo();
    if (userInfo == null) {
      return Optional.empty();
    }
    String decoded = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    String user = colon < 0 ? decoded : decoded.substring(0, colon);
    char[] password = colon < 0 ? new char[0] : decoded.substring(colon + 1).toCharArray();
    return Optional.of(
        new Authenticator() {
          @Override
          protected PasswordAuthentication getPasswordAuthentication() {
            return getRequestorType() == RequestorType.PROXY
                ? new PasswordAuthentication(user, password.clone())
                : null;
          }
        });
  }

  private static int defaultPort(URI proxy) {
    return "https".equalsIgnoreCase(proxy.getScheme()) ? 443 : 80;
  }

  private static String via(ImageRequest request) {
    return request.proxy().map(p -> " (through proxy " + Urls.redact(p) + ")").orElse("");
  }

  private static Optional<String> basicAuthorization(URI uri) {
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      return Optional.empty();
    }
    String decoded = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
    return Optional.of(
        "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8)));
  }

  private static OptionalLong contentLength(HttpResponse<?> response) {
    OptionalLong length = response.headers().firstValueAsLong("Content-Length");
    return length.isPresent() && length.getAsLong() >= 0 ? length : OptionalLong.empty();
  }

  /** Cancels a body nobody reads, so the connection is not left waiting for a reader. */
  private static void discard(Flow.Publisher<List<ByteBuffer>> body) {
    body.subscribe(
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.cancel();
          }

          @Override
          public void onNext(List<ByteBuffer> item) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onComplete() {}
        });
  }
}
