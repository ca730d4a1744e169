package io.bergenholm.netboot.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, to see what goes over the wire: several requests on one connection,
 * responses framed only by their Content-Length, as iPXE reads them.
 */
final class RawHttp implements AutoCloseable {
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port) throws IOException {
    this("127.0.0.1", port);
  }

  /** From local address {@code source} (any of 127.0.0.0/8 works on Linux), to 127.0.0.1. */
  RawHttp(String source, int port) throws IOException {
    socket =
        new Socket(
            java.net.InetAddress.getByName("127.0.0.1"),
            port,
            java.net.InetAddress.getByName(source),
            0);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
  }

  void write(String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
  }

  /** Reads one response; a body is read by Content-Length only (no chunked, no read-to-close). */
  Response read(boolean head) throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).strip().toLowerCase(Locale.ROOT), l.substring(c + 1).strip());
    }
    int code = Integer.parseInt(status.split(" ")[1]);
    byte[] body = new byte[0];
    if (!head && headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    }
    return new Response(code, headers, body);
  }

  /** True if the server closed the connection (reads end of stream). */
  boolean closedByServer() throws IOException {
    return in.read() == -1;
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
