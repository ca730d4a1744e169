package io.bergenholm.netboot.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Maps a path and a method to a handler. A pattern is a path whose segments are literals or {@code
 * {}} (exactly one non-empty segment); a trailing slash is a segment of its own, so lists register
 * both spellings.
 */
final class Router {
  /** Runs one call; may block (it runs on a worker unless the binding says otherwise). */
  @FunctionalInterface
  interface Handler {
    Outcome handle(Call call);
  }

  /**
   * @param guard who may call, which may depend on the query ({@code ?installed=mark} is a boot
   *     call)
   * @param inline true for handlers that neither block nor touch the engine, run on the event loop
   */
  record Binding(Function<Call, Guard> guard, Handler handler, boolean inline) {}

  record Route(String pattern, String[] segments, Map<HttpMethod, Binding> bindings) {
    String allow() {
      List<String> names = new ArrayList<>();
      bindings.keySet().forEach(m -> names.add(m.name()));
      if (bindings.containsKey(HttpMethod.GET)) {
        names.add(HttpMethod.HEAD.name());
      }
      return String.join(", ", names);
    }

    /** The binding for {@code method}; {@code HEAD} uses {@code GET}'s. */
    Optional<Binding> binding(HttpMethod method) {
      Binding b = bindings.get(HttpMethod.HEAD.equals(method) ? HttpMethod.GET : method);
      return Optional.ofNullable(b);
    }
  }

  record Match(Route route, List<String> params) {}

  private final List<Route> routes = new ArrayList<>();

  Router on(HttpMethod method, String pattern, Guard guard, Handler handler) {
    return on(method, pattern, call -> guard, handler, false);
  }

  Router on(
      HttpMethod method,
      String pattern,
      Function<Call, Guard> guard,
      Handler handler,
      boolean inline) {
    Route route =
        routes.stream()
            .filter(r -> r.pattern().equals(pattern))
            .findFirst()
            .orElseGet(
                () -> {
                  Route r = new Route(pattern, split(pattern), new LinkedHashMap<>());
                  routes.add(r);
                  return r;
                });
    if (route.bindings().putIfAbsent(method, new Binding(guard, handler, inline)) != null) {
      throw new IllegalStateException(method + " " + pattern + " is bound twice");
    }
    return this;
  }

  /** The route for a decoded path's raw segments; placeholder values are decoded by the caller. */
  Optional<Match> match(String[] segments) {
    for (Route route : routes) {
      String[] pattern = route.segments();
      if (pattern.length != segments.length) {
        continue;
      }
      List<String> params = new ArrayList<>(2);
      boolean ok = true;
      for (int i = 0; i < pattern.length && ok; i++) {
        if (pattern[i].equals("{}")) {
          ok = !segments[i].isEmpty();
          params.add(segments[i]);
        } else {
          ok = pattern[i].equals(segments[i]);
        }
      }
      if (ok) {
        return Optional.of(new Match(route, params));
      }
    }
    return Optional.empty();
  }

  /** {@code "/a/b/"} → {@code ["a", "b", ""]}; the leading slash is dropped. */
  static String[] split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return p.split("/", -1);
  }
}
