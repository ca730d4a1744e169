package io.bergenholm.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The image server the install group names: serves a folder on 127.0.0.1 and counts requests. */
final class Upstream implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  Upstream(Path dir) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/",
        exchange -> {
          String name = exchange.getRequestURI().getPath().substring(1);
          requests.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
          Path file = dir.resolve(name).normalize();
          if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          exchange.sendResponseHeaders(200, Files.size(file));
          try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(file, out);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int requests(String name) {
    AtomicInteger n = requests.get(name);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
