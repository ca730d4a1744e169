package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.MOVED_PERMANENTLY;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND;
import static io.netty.handler.codec.http.HttpResponseStatus.OK;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code /ui/}: the operator console, static files read from the class path under {@value #ROOT}
 * (the {@code bergenholm-ui} jar). The files hold no data: every value the console shows comes from
 * the API, with the token the operator signs in with. Nothing is fetched from elsewhere, which the
 * Content-Security-Policy enforces in the browser.
 */
final class ConsoleEndpoints {
  static final String ROOT = "io/bergenholm/ui/";

  /** No inline script or style, no other origin, no framing. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

  /** Flat file names only: no folders, no dot files, so no path can leave {@link #ROOT}. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}\\.[a-z]{2,4}");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png");

  /** Files found so far; there are as many as the jar holds, so this stays small. */
  private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

  private final ClassLoader loader;

  ConsoleEndpoints(ClassLoader loader) {
    this.loader = loader;
  }

  /** {@code /ui} → {@code /ui/}, so that the page's relative URLs resolve under it. */
  Outcome redirect(Call call) {
    return Reply.empty(MOVED_PERMANENTLY).withHeader("Location", "/ui/");
  }

  /**
   * {@code GET /api/1.0/access}: what the caller's token allows ({@code read-write} or {@code
   * read-only}), so that the console shows edit controls only to those who may use them.
   */
  static Outcome access(Call call) {
    boolean rw = call.canWrite();
    return Reply.json(OK, Map.of("access", rw ? "read-write" : "read-only"));
  }

  Outcome index(Call call) {
    return file("index.html");
  }

  Outcome asset(Call call) {
    return file(call.pathParam(0));
  }

  private Outcome file(String name) {
    String type =
        NAME.matcher(name).matches() ? TYPES.get(name.substring(name.lastIndexOf('.') + 1)) : null;
    Optional<byte[]> body = type == null ? Optional.empty() : read(name);
    if (body.isEmpty()) {
      boolean installed = loader.getResource(ROOT + "index.html") != null;
      return secured(
          Reply.error(
              NOT_FOUND,
              installed
                  ? "the console has no file '" + name + "'"
                  : "the console is not installed: bergenholm-ui is not on the class path"));
    }
    // no-cache: the browser keeps the file but asks each time; the ETag makes that a 304.
    return secured(new Reply(OK, type, body.get(), Map.of("Cache-Control", "no-cache")));
  }

  private Optional<byte[]> read(String name) {
    byte[] hit = loaded.get(name);
    if (hit != null) {
      return Optional.of(hit);
    }
    try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      loaded.put(name, bytes);
      return Optional.of(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read console file " + ROOT + name + ": " + e.getMessage(), e);
    }
  }

  private static Reply secured(Reply reply) {
    return reply
        .withHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .withHeader("X-Content-Type-Options", "nosniff")
        .withHeader("X-Frame-Options", "DENY")
        .withHeader("Referrer-Policy", "no-referrer");
  }
}
