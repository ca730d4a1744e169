package io.bergenholm.engine.image;

import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import io.bergenholm.api.image.ImageSource;
import java.net.URI;

/**
 * An image source behind the {@link SourcePolicy}: the upstream's and the proxy's addresses are
 * checked before each request, and redirects are followed here (at most {@value #MAX_REDIRECTS}),
 * each new location checked like the first (scheme and addresses) before it is fetched.
 */
final class GuardedSource implements ImageSource {
  static final int MAX_REDIRECTS = 5;

  private final ImageSource delegate;
  private final SourcePolicy policy;
  private final String hostId;
  private final String parameter;

  GuardedSource(ImageSource delegate, SourcePolicy policy, String hostId, String parameter) {
    this.delegate = delegate;
    this.policy = policy;
    this.hostId = hostId;
    this.parameter = parameter;
  }

  @Override
  public ImageResponse fetch(ImageRequest request) {
    request
        .proxy()
        .ifPresent(p -> policy.checkAddresses("host " + hostId + ": proxy_url", p, true));
    ImageRequest current = request;
    for (int hop = 0; ; hop++) {
      // Through a proxy, the proxy resolves the name: it is checked as far as this machine can
      // resolve it too (a name only the proxy knows is the proxy's to police).
      policy.checkAddresses(
          "host " + hostId + ": " + parameter + (hop == 0 ? "" : " (redirected)"),
          current.uri(),
          current.proxy().isEmpty());
      try {
        return delegate.fetch(current);
      } catch (Redirect r) {
        if (hop == MAX_REDIRECTS) {
          throw new UpstreamException(
              Urls.redact(request.uri()) + " redirected more than " + MAX_REDIRECTS + " times");
        }
        URI next = current.uri().resolve(r.location());
        policy.checkScheme(
            hostId, parameter + " (redirected from " + Urls.redact(current.uri()) + ")", next);
        current =
            new ImageRequest(
                next,
                current.proxy(),
                current.ifNoneMatch(),
                current.ifModifiedSince(),
                current.timeout());
      }
    }
  }

  /** Thrown by a source that does not follow a redirect itself, so that the policy can check it. */
  static final class Redirect extends UpstreamException {
    private final URI location;

    Redirect(String shown, int status, URI location) {
      super(shown + " answered HTTP " + status + " (redirect to " + Urls.redact(location) + ")");
      this.location = location;
    }

    URI location() {
      return location;
    }
  }
}
