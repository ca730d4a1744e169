package io.bergenholm.samples.embedding;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.http.AccessTokens;
import io.bergenholm.netboot.http.HttpRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provisioning tool's own HTTP server (the JDK's {@code com.sun.net.httpserver}) that serves
 * Bergenholm's REST API and iPXE endpoints next to its own pages, from an engine over the tool's
 * own {@link InventoryStore}. Bergenholm's routes are mounted under {@code /api/1.0/} and {@code
 * /ipxe/}; {@code /tool/status} is the tool's own.
 *
 * <p>Run: {@code java -cp … io.bergenholm.samples.embedding.EmbeddedBootServer [ADDR:PORT]}.
 */
public final class EmbeddedBootServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedBootServer.class);

  private final Bergenholm engine;
  private final HttpServer http;
  private final ExecutorService threads;

  private EmbeddedBootServer(Bergenholm engine, HttpServer http, ExecutorService threads) {
    this.engine = engine;
    this.http = http;
    this.threads = threads;
  }

  /** Starts serving on {@code address} (port 0: any free port). */
  public static EmbeddedBootServer start(InetSocketAddress address, InventoryStore store)
      throws IOException {
    Bergenholm engine = Bergenholm.builder().store(store).build();
    // The tool authenticates its own users, so the routes' management side is open here; a tool
    // without its own authentication passes Bergenholm's tokens instead.
    HttpRoutes routes = HttpRoutes.of(engine, AccessTokens.none());
    HttpServer http = HttpServer.create(address, 64);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    http.setExecutor(threads); // HttpRoutes.handle blocks: it gets request threads of its own
    http.createContext("/api/1.0/", exchange -> serve(routes, exchange));
    http.createContext("/ipxe/", exchange -> serve(routes, exchange));
    http.createContext(
        "/tool/status",
        exchange -> {
          byte[] body = "inventory tool: up\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    log.info(
        "serving Bergenholm's routes on http://{}:{}/",
        http.getAddress().getHostString(),
        http.getAddress().getPort());
    return new EmbeddedBootServer(engine, http, threads);
  }

  /** Hands one exchange to Bergenholm's routes and writes their answer. */
  private static void serve(HttpRoutes routes, HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
      HttpRoutes.Response response =
          routes.handle(
              new HttpRoutes.Request(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawPath()
                      + (exchange.getRequestURI().getRawQuery() == null
                          ? ""
                          : "?" + exchange.getRequestURI().getRawQuery()),
                  headers,
                  body));
      response
          .headers()
          .forEach(
              (name, value) -> {
                if (!name.equals("content-length") && !name.equals("connection")) {
                  exchange.getResponseHeaders().set(name, value);
                }
              });
      boolean empty = response.body().length == 0;
      exchange.sendResponseHeaders(response.status(), empty ? -1 : response.body().length);
      if (!empty) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response.body());
        }
      }
    }
  }

  public InetSocketAddress address() {
    return http.getAddress();
  }

  public Bergenholm engine() {
    return engine;
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
    engine.close();
  }

  public static void main(String[] args) throws Exception {
    String at = args.length > 0 ? args[0] : "127.0.0.1:8080";
    int colon = at.lastIndexOf(':');
    EmbeddedBootServer server =
        start(
            new InetSocketAddress(
                at.substring(0, colon), Integer.parseInt(at.substring(colon + 1))),
            new InventoryStore());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-shutdown"));
    Thread.currentThread().join();
  }
}
