package io.bergenholm.engine.image;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on 127.0.0.1 for image tests (the engine's and, through this module's
 * test-jar, the HTTP server's): serves byte arrays, counts requests, answers conditional requests,
 * and on demand holds a body at a gate, stalls, cuts the connection (RST), announces a longer
 * Content-Length than it sends, sends no length (chunked), or redirects. Written on plain sockets
 * so that every fault is exactly what goes over the wire.
 */
public final class TestUpstream implements AutoCloseable {
  public enum Fault {
    NONE,
    STALL,
    CUT,
    LONGER_LENGTH,
    NOT_FOUND,
    SERVER_ERROR
  }

  /** One request as it arrived. */
  public record Request(String method, String target, Map<String, String> headers) {}

  /** What one path serves; change its fields between requests. */
  public static final class Resource {
    public volatile byte[] body;
    public volatile String etag;
    public volatile Fault fault = Fault.NONE;
    public volatile boolean chunked;
    public volatile String redirectTo;
    public volatile CountDownLatch gate;
    public volatile int gateAt;
    public volatile int pauseMillisPerPiece;

    Resource(byte[] body, String etag) {
      this.body = body;
      this.etag = etag;
    }
  }

  private static final int PIECE = 16 * 1024;

  private final ServerSocket server;
  private final Map<String, Resource> resources = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "test-upstream");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger versions = new AtomicInteger();

  public TestUpstream() throws IOException {
    server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
  }

  public int port() {
    return server.getLocalPort();
  }

  public Resource put(String path, byte[] body) {
    Resource r = new Resource(body, "\"v" + versions.incrementAndGet() + "\"");
    resources.put(path, r);
    return r;
  }

  /** Replaces a path's content with a new version (new entity tag). */
  public void replace(String path, byte[] body) {
    Resource r = resources.get(path);
    r.body = body;
    r.etag = "\"v" + versions.incrementAndGet() + "\"";
  }

  public int requests(String path) {
    AtomicInteger n = counts.get(path);
    return n == null ? 0 : n.get();
  }

  public List<Request> requestLog() {
    return List.copyOf(requests);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        threads.execute(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setSoTimeout(30_000);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), PIECE);
      String requestLine = readLine(in);
      if (requestLine == null || requestLine.isEmpty()) {
        return;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line; !(line = readLine(in)).isEmpty(); ) {
        int colon = line.indexOf(':');
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
      String[] parts = requestLine.split(" ");
      String target = parts[1];
      String path = target.startsWith("http") ? URI.create(target).getRawPath() : target;
      requests.add(new Request(parts[0], target, headers));
      counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      Resource r = resources.get(path);
      if (r == null || r.fault == Fault.NOT_FOUND) {
        head(out, "404 Not Found", "Content-Length: 0");
        return;
      }
      if (r.fault == Fault.SERVER_ERROR) {
        head(out, "500 Internal Server Error", "Content-Length: 0");
        return;
      }
      if (r.redirectTo != null) {
        head(out, "302 Found", "Location: " + r.redirectTo, "Content-Length: 0");
        return;
      }
      if (r.etag.equals(headers.get("if-none-match"))) {
        head(out, "304 Not Modified", "ETag: " + r.etag);
        return;
      }
      byte[] body = r.body;
      String length =
          r.chunked
              ? "Transfer-Encoding: chunked"
              : "Content-Length: " + (body.length + (r.fault == Fault.LONGER_LENGTH ? 1000 : 0));
      head(
          out,
          "200 OK",
          "ETag: " + r.etag,
          "Last-Modified: Tue, 01 Sep 2026 10:00:00 GMT",
          "Content-Type: application/octet-stream",
          length);
      out.flush();
      writeBody(socket, out, r, body);
    } catch (IOException | InterruptedException e) {
      // The client went away or the test closed the server: nothing more to send.
    }
  }

  private void writeBody(Socket socket, OutputStream out, Resource r, byte[] body)
      throws IOException, InterruptedException {
    int half = body.length / 2;
    int sent = 0;
    boolean gated = r.gate != null;
    while (sent < body.length) {
      if (gated && sent >= r.gateAt) {
        out.flush();
        r.gate.await(30, TimeUnit.SECONDS);
        gated = false;
      }
      if (sent >= half && r.fault == Fault.STALL) {
        out.flush();
        closing.await(60, TimeUnit.SECONDS);
        return;
      }
      if (sent >= half && r.fault == Fault.CUT) {
        out.flush();
        socket.setSoLinger(true, 0);
        return;
      }
      int n = Math.min(PIECE, body.length - sent);
      if (gated) {
        n = Math.min(n, r.gateAt - sent);
      }
      if (r.fault == Fault.STALL || r.fault == Fault.CUT) {
        n = Math.min(n, Math.max(1, half - sent));
      }
      if (r.chunked) {
        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.write(body, sent, n);
      if (r.chunked) {
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      sent += n;
      if (r.pauseMillisPerPiece > 0) {
        out.flush();
        Thread.sleep(r.pauseMillisPerPiece);
      }
    }
    if (r.chunked) {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
  }

  private static void head(OutputStream out, String status, String... headers) throws IOException {
    StringBuilder s = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
    for (String h : headers) {
      s.append(h).append("\r\n");
    }
    s.append("Connection: close\r\n\r\n");
    out.write(s.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  public static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c; (c = in.read()) >= 0; ) {
      if (c == '\n') {
        byte[] b = line.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
      }
      line.write(c);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    closing.countDown();
    server.close();
    threads.shutdownNow();
  }

  /** A forward proxy on 127.0.0.1 that relays absolute-form requests and records their targets. */
  public static final class ForwardProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> targets = new CopyOnWriteArrayList<>();

    /** When set, requests without this Proxy-Authorization value are answered 407. */
    public volatile String requiredAuthorization;

    private final ExecutorService threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "test-proxy");
              t.setDaemon(true);
              return t;
            });

    public ForwardProxy() throws IOException {
      server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
      threads.execute(
          () -> {
            while (!server.isClosed()) {
              try {
                Socket s = server.accept();
                threads.execute(() -> relay(s));
              } catch (IOException e) {
                return;
              }
            }
          });
    }

    public URI uri() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public List<String> targets() {
      return List.copyOf(targets);
    }

    private void relay(Socket client) {
      try (client) {
        InputStream in = new BufferedInputStream(client.getInputStream());
        String requestLine = readLine(in);
        String[] parts = requestLine.split(" ");
        targets.add(parts[1]);
        URI target = URI.create(parts[1]);
        List<String> headers = new ArrayList<>();
        String authorization = null;
        for (String line; !(line = readLine(in)).isEmpty(); ) {
          String lower = line.toLowerCase(Locale.ROOT);
          if (lower.startsWith("proxy-authorization:")) {
            authorization = line.substring(line.indexOf(':') + 1).trim();
          } else if (!lower.startsWith("proxy-") && !lower.startsWith("connection")) {
            headers.add(line);
          }
        }
        String required = requiredAuthorization;
        if (required != null && !required.equals(authorization)) {
          head(
              client.getOutputStream(),
              "407 Proxy Authentication Required",
              "Proxy-Authenticate: Basic realm=\"test\"",
              "Content-Length: 0");
          return;
        }
        try (Socket upstream = new Socket(target.getHost(), target.getPort())) {
          StringBuilder s =
              new StringBuilder(parts[0])
                  .append(' ')
                  .append(target.getRawPath())
                  .append(" HTTP/1.1\r\n");
          headers.forEach(h -> s.append(h).append("\r\n"));
          s.append("Connection: close\r\n\r\n");
          upstream.getOutputStream().write(s.toString().getBytes(StandardCharsets.ISO_8859_1));
          upstream.getInputStream().transferTo(client.getOutputStream());
        }
      } catch (IOException e) {
        // Either side went away.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      threads.shutdownNow();
    }
  }
}
