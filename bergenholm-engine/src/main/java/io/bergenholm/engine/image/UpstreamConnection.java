package io.bergenholm.engine.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 exchange with an upstream (or a proxy): the request head goes out in one write, the
 * response head is parsed within limits, and the body is read from the socket straight into the
 * caller's buffer. A plain connection is a non-blocking {@link SocketChannel} waited on with a
 * selector of its own, and its body is also a {@link ReadableByteChannel}, so a direct buffer is
 * filled by the kernel's copy alone; a TLS connection is an {@link SSLSocket} over the same channel
 * in blocking mode.
 *
 * <p>A thread interrupted while it waits for bytes stops waiting at once; a read that waits longer
 * than the read timeout fails, and the whole response head must arrive within the same timeout, so
 * an upstream that trickles its headers a byte at a time cannot hold a download open. Every body
 * ends in one of three checked ways: Content-Length bytes exactly (an earlier end is an error), a
 * chunked body's last chunk (an end without it is an error), or, with neither, the connection's
 * end.
 *
 * <p>Limits on what an upstream may send: a line of the head at most {@value #MAX_LINE} bytes, at
 * most {@value #MAX_FIELDS} header fields and {@value #MAX_HEAD} bytes in all; a chunk size line
 * like a header line, a chunk size below 2^60.
 */
final class UpstreamConnection implements AutoCloseable {
  static final int MAX_LINE = 8 * 1024;
  static final int MAX_FIELDS = 100;
  static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_INTERIM = 10;
  private static final int BUFFER = 16 * 1024;
  private static final int TLS_STAGING = 64 * 1024;

  /**
   * Ends TLS handshakes that outlast their deadline, by closing their socket: an SSLSocket's own
   * timeout bounds each read, not the handshake, which a server could trickle a byte at a time.
   */
  private static final ScheduledExecutorService HANDSHAKE_DEADLINES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "upstream-tls-deadline");
            t.setDaemon(true);
            return t;
          });

  /** A response head: status and fields (names in lower case, in arrival order). */
  record Head(int status, List<String[]> fields) {
    Optional<String> first(String name) {
      for (String[] f : fields) {
        if (f[0].equals(name)) {
          return Optional.of(f[1]);
        }
      }
      return Optional.empty();
    }

    List<String> all(String name) {
      List<String> values = new ArrayList<>();
      for (String[] f : fields) {
        if (f[0].equals(name)) {
          values.add(f[1]);
        }
      }
      return values;
    }
  }

  private final String shown;
  private final Duration timeout;
  private SocketChannel channel;
  // Plain connections: the channel is non-blocking and waited on here.
  private Selector selector;
  // TLS connections: the channel is blocking, under this socket.
  private SSLSocket tls;
  private InputStream tlsIn;
  private OutputStream tlsOut;
  private byte[] staging;
  private volatile boolean closed;
  private final byte[] buffer = new byte[BUFFER];
  private int pos;
  private int limit;
  private long headBytes;

  private UpstreamConnection(String shown, Duration timeout) {
    this.shown = shown;
    this.timeout = timeout;
  }

  /**
   * Connects to the first of the host's addresses that accepts within the timeout (each address
   * gets what is left of it).
   *
   * @param shown the URL or proxy as messages name it
   */
  static UpstreamConnection open(String shown, String host, int port, Duration timeout)
      throws IOException {
    return open(shown, InetAddress.getAllByName(host), port, timeout);
  }

  /** Connects to the first of {@code addresses} that accepts, each a connection of its own. */
  static UpstreamConnection open(String shown, InetAddress[] addresses, int port, Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    for (InetAddress address : addresses) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      UpstreamConnection c = new UpstreamConnection(shown, timeout);
      try {
        c.channel = SocketChannel.open();
        Socket s = c.channel.socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(address, port), (int) Math.max(1, left / 1_000_000));
        c.channel.configureBlocking(false);
        c.selector = Selector.open();
        c.channel.register(c.selector, SelectionKey.OP_READ);
        return c;
      } catch (IOException e) {
        c.close();
        if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
          throw interrupted("connecting to " + shown, e);
        }
        last = e;
      }
    }
    if (last instanceof SocketTimeoutException || last == null) {
      throw new ConnectTimeout(
          "connecting to " + shown + " timed out after " + timeout.toMillis() + " ms");
    }
    throw last;
  }

  /**
   * Thrown when no address accepted the connection within the timeout, or the TLS handshake did not
   * end within it.
   */
  static final class ConnectTimeout extends SocketTimeoutException {
    ConnectTimeout(String message) {
      super(message);
    }
  }

  /**
   * Runs TLS over this connection, checking the server's certificate against {@code host} the way
   * HTTPS does. Any bytes already buffered would be a protocol error, so there must be none.
   */
  void startTls(SSLSocketFactory factory, String host, int port) throws IOException {
    if (pos != limit) {
      throw new IOException(shown + " sent bytes before the TLS handshake");
    }
    // An SSLSocket needs the channel blocking, and a registered channel cannot be: drop the
    // selector (which deregisters it) first.
    selector.close();
    selector = null;
    channel.configureBlocking(true);
    SSLSocket socket = (SSLSocket) factory.createSocket(channel.socket(), host, port, true);
    tls = socket;
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(millis(timeout));
    AtomicBoolean late = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        HANDSHAKE_DEADLINES.schedule(
            () -> {
              late.set(true);
              try {
                socket.close();
              } catch (IOException e) {
                // Closed either way.
              }
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    try {
      socket.startHandshake();
    } catch (IOException e) {
      throw late.get() ? handshakeTooLong(e) : rethrow("TLS with " + shown, e);
    } finally {
      deadline.cancel(false);
    }
    if (late.get()) {
      throw handshakeTooLong(null);
    }
    tlsIn = socket.getInputStream();
    tlsOut = socket.getOutputStream();
  }

  /** Sends a request head (lines without their CRLF; the blank line is added). */
  void send(List<String> lines) throws IOException {
    StringBuilder s = new StringBuilder(256);
    for (String line : lines) {
      s.append(line).append("\r\n");
    }
    s.append("\r\n");
    try {
      write(ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.ISO_8859_1)));
    } catch (IOException e) {
      throw rethrow("sending the request to " + shown, e);
    }
  }

  /**
   * Reads the response head, skipping interim (1xx) responses; all of it must come within the
   * timeout, counted from this call.
   */
  Head readHead() throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    headBytes = 0;
    try {
      for (int interim = 0; ; interim++) {
        Head head = readOneHead(deadline);
        if (head.status() >= 200 || head.status() == 101) {
          return head;
        }
        if (interim == MAX_INTERIM) {
          throw new IOException(shown + " sent more than " + MAX_INTERIM + " interim responses");
        }
      }
    } catch (IOException e) {
      throw rethrow("reading the response of " + shown, e);
    }
  }

  private Head readOneHead(long deadline) throws IOException {
    String statusLine = readLine(deadline, "status line");
    // HTTP-version SP 3DIGIT SP [reason]; the reason is informative only.
    if (statusLine.length() < 12
        || !(statusLine.startsWith("HTTP/1.1 ") || statusLine.startsWith("HTTP/1.0 "))
        || !isDigits(statusLine, 9, 12)
        || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
      throw new IOException(shown + " answered with a malformed status line: " + quote(statusLine));
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    if (status < 100) {
      throw new IOException(shown + " answered with status " + status);
    }
    return new Head(status, readFields(deadline, "header"));
  }

  private List<String[]> readFields(long deadline, String what) throws IOException {
    List<String[]> fields = new ArrayList<>();
    while (true) {
      String line = readLine(deadline, what);
      if (line.isEmpty()) {
        return fields;
      }
      if (fields.size() == MAX_FIELDS) {
        throw new IOException(shown + " sent more than " + MAX_FIELDS + " " + what + " fields");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line, colon)) {
        // Includes obsolete line folding (a line starting with white space): refused, as RFC 9112
        // allows, rather than guessed at.
        throw new IOException(shown + " sent a malformed " + what + " line: " + quote(line));
      }
      fields.add(
          new String[] {
            line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip()
          });
    }
  }

  /** A line of the head without its line end (CRLF, or a bare LF as RFC 9112 tolerates). */
  private String readLine(long deadline, String what) throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      if (pos == limit && !fill(deadline)) {
        throw new IOException(shown + " closed the connection in the middle of the " + what);
      }
      while (pos < limit) {
        byte b = buffer[pos++];
        if (++headBytes > MAX_HEAD) {
          throw new IOException(shown + " sent a response head over " + MAX_HEAD + " bytes");
        }
        if (b == '\n') {
          int end = line.length();
          if (end > 0 && line.charAt(end - 1) == '\r') {
            line.setLength(end - 1);
          }
          return line.toString();
        }
        if (b == 0 || (b != '\n' && line.length() > 0 && line.charAt(line.length() - 1) == '\r')) {
          throw new IOException(shown + " sent a stray control character in the " + what);
        }
        if (line.length() == MAX_LINE) {
          throw new IOException(shown + " sent a " + what + " line over " + MAX_LINE + " bytes");
        }
        line.append((char) (b & 0xff));
      }
    }
  }

  /**
   * Reads more into the head buffer, waiting until the deadline (0: one read timeout); false at the
   * end of the stream.
   */
  private boolean fill(long deadline) throws IOException {
    int n =
        receive(
            ByteBuffer.wrap(buffer),
            deadline == 0 ? System.nanoTime() + timeout.toNanos() : deadline,
            true);
    if (n < 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  /**
   * Reads from the connection into {@code dst}: waits until something arrives (or the deadline
   * passes) when {@code wait}, else takes only what has arrived already (perhaps nothing).
   *
   * @return the bytes read, or -1 at the end of the stream
   */
  private int receive(ByteBuffer dst, long deadline, boolean wait) throws IOException {
    if (closed) {
      throw new IOException(shown + ": the connection is closed");
    }
    if (tls != null) {
      if (!wait && tlsIn.available() == 0) {
        return 0;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      tls.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      if (dst.hasArray()) {
        int n = tlsIn.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }
      if (staging == null) {
        staging = new byte[TLS_STAGING];
      }
      int n = tlsIn.read(staging, 0, Math.min(staging.length, dst.remaining()));
      if (n > 0) {
        dst.put(staging, 0, n);
      }
      return n;
    }
    while (true) {
      int n = channel.read(dst);
      if (n != 0 || !wait) {
        return n;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      await(left);
    }
  }

  /** Writes all of {@code src} within the timeout. */
  private void write(ByteBuffer src) throws IOException {
    if (tls != null) {
      tlsOut.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
      tlsOut.flush();
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    SelectionKey key = channel.keyFor(selector);
    while (src.hasRemaining()) {
      if (channel.write(src) > 0) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      key.interestOps(SelectionKey.OP_WRITE);
      try {
        await(left);
      } finally {
        key.interestOps(SelectionKey.OP_READ);
      }
    }
  }

  /**
   * Waits on the selector for at most {@code nanos}; an interrupt ends the wait (the selector
   * wakes), and so does {@link #close()} from another thread.
   */
  private void await(long nanos) throws IOException {
    try {
      selector.select(Math.max(1, nanos / 1_000_000));
      selector.selectedKeys().clear();
    } catch (ClosedSelectorException e) {
      throw new IOException(shown + ": the connection is closed", e);
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException();
    }
    if (closed) {
      throw new IOException(shown + ": the connection is closed");
    }
  }

  /**
   * The body of a response to a GET, framed as the head says.
   *
   * @param head the response head from {@link #readHead()}
   */
  InputStream body(Head head) throws IOException {
    List<String> codings = head.all("transfer-encoding");
    if (!codings.isEmpty()) {
      String joined = String.join(",", codings).toLowerCase(Locale.ROOT).replace(" ", "");
      if (!joined.equals("chunked")) {
        throw new IOException(
            shown + " sent a Transfer-Encoding this client does not decode: " + quote(joined));
      }
      // Content-Length, if also present, is ignored (RFC 9112 6.3); the connection is not reused.
      return new ChunkedBody();
    }
    OptionalLong length = contentLength(head);
    return length.isPresent() ? new LengthBody(length.getAsLong()) : new ClosedBody();
  }

  /** The Content-Length; several fields must agree, and a malformed one is an error. */
  OptionalLong contentLength(Head head) throws IOException {
    long length = -1;
    for (String value : head.all("content-length")) {
      for (String part : value.split(",", -1)) {
        String v = part.strip();
        if (v.isEmpty() || v.length() > 18 || !isDigits(v, 0, v.length())) {
          throw new IOException(shown + " sent a malformed Content-Length: " + quote(value));
        }
        long n = Long.parseLong(v);
        if (length >= 0 && n != length) {
          throw new IOException(shown + " sent conflicting Content-Length fields");
        }
        length = n;
      }
    }
    return length < 0 ? OptionalLong.empty() : OptionalLong.of(length);
  }

  /**
   * Reads at most {@code max} body bytes into {@code dst}: what the head buffer holds first, then
   * from the connection, waiting for them or not.
   */
  private int readRaw(ByteBuffer dst, long max, boolean wait) throws IOException {
    int room = (int) Math.min(dst.remaining(), max);
    if (pos < limit) {
      int n = Math.min(room, limit - pos);
      dst.put(buffer, pos, n);
      pos += n;
      return n;
    }
    if (room == dst.remaining()) {
      return receive(dst, System.nanoTime() + timeout.toNanos(), wait);
    }
    int oldLimit = dst.limit();
    dst.limit(dst.position() + room);
    try {
      return receive(dst, System.nanoTime() + timeout.toNanos(), wait);
    } finally {
      dst.limit(oldLimit);
    }
  }

  @Override
  public void close() {
    closed = true;
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
    try {
      if (tls != null) {
        tls.close();
      }
      if (channel != null) {
        channel.close();
      }
      if (s != null) {
        s.close();
      }
    } catch (IOException e) {
      // Nothing left to release.
    }
  }

  private SocketTimeoutException handshakeTooLong(IOException cause) {
    SocketTimeoutException t =
        new ConnectTimeout(
            "the TLS handshake with " + shown + " took longer than " + timeout.toMillis() + " ms");
    t.initCause(cause);
    return t;
  }

  /** Turns a timeout or an interrupt into the message a reader of the log can act on. */
  private IOException rethrow(String doing, IOException e) {
    if (e instanceof ClosedByInterruptException
        || e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)
        || Thread.currentThread().isInterrupted()) {
      return interrupted(doing, e);
    }
    if (e instanceof SocketTimeoutException) {
      SocketTimeoutException t =
          new SocketTimeoutException(doing + " timed out after " + timeout.toMillis() + " ms");
      t.initCause(e);
      return t;
    }
    return e;
  }

  private static InterruptedIOException interrupted(String doing, IOException cause) {
    Thread.currentThread().interrupt();
    InterruptedIOException e = new InterruptedIOException(doing + " interrupted");
    e.initCause(cause);
    return e;
  }

  private static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  private static boolean isDigits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return from < to;
  }

  /** RFC 9110 token characters, as a field name must be. */
  private static boolean isToken(String s, int end) {
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      boolean ok =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String quote(String s) {
    String shortened = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder q = new StringBuilder("\"");
    for (char c : shortened.toCharArray()) {
      q.append(c < 0x20 || c > 0x7e ? '?' : c);
    }
    return q.append('"').toString();
  }

  /**
   * A body's common half: the byte count, faults turned into messages, and the two ways to read, as
   * a stream (into an array) and as a channel (into any buffer, a direct one without a copy).
   * Reading as a channel fills the buffer with all that has arrived, waiting only for the first
   * bytes.
   */
  private abstract class Body extends InputStream implements ReadableByteChannel {
    long received;
    private boolean failed;

    /** Reads into {@code dst}; waits for bytes only when {@code wait}; -1 at the body's end. */
    abstract int readBody(ByteBuffer dst, boolean wait) throws IOException;

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      return read(ByteBuffer.wrap(b, off, len), true);
    }

    @Override
    public final int read(ByteBuffer dst) throws IOException {
      int n = read(dst, true);
      if (n <= 0) {
        return n;
      }
      int total = n;
      while (dst.hasRemaining()) {
        n = read(dst, false);
        if (n <= 0) {
          break; // nothing more yet, or the end: the next read sees it again
        }
        total += n;
      }
      return total;
    }

    private int read(ByteBuffer dst, boolean wait) throws IOException {
      if (failed) {
        throw new IOException(shown + ": the body failed before");
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      try {
        int n = readBody(dst, wait);
        if (n > 0) {
          received += n;
        }
        return n;
      } catch (IOException e) {
        failed = true;
        throw explain(e);
      }
    }

    private IOException explain(IOException e) {
      if (e instanceof ClosedByInterruptException
          || e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)
          || Thread.currentThread().isInterrupted()) {
        return interrupted("reading " + shown, e);
      }
      if (e instanceof SocketTimeoutException) {
        SocketTimeoutException t =
            new SocketTimeoutException(
                shown
                    + " sent nothing for "
                    + timeout.toMillis()
                    + " ms after "
                    + received
                    + " bytes");
        t.initCause(e);
        return t;
      }
      if (String.valueOf(e.getMessage()).startsWith(shown)) {
        return e; // one of this class's own messages
      }
      return new IOException(shown + " failed after " + received + " bytes: " + e, e);
    }

    @Override
    public final int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() {
      UpstreamConnection.this.close();
    }
  }

  /** A body of a known length: exactly that many bytes, and an earlier end is an error. */
  private final class LengthBody extends Body {
    private final long length;

    LengthBody(long length) {
      this.length = length;
    }

    @Override
    int readBody(ByteBuffer dst, boolean wait) throws IOException {
      long left = length - received;
      if (left == 0) {
        return -1;
      }
      int n = readRaw(dst, left, wait);
      if (n < 0) {
        throw new IOException(shown + " ended after " + received + " of " + length + " bytes");
      }
      return n;
    }
  }

  /** A chunked body: ends only at its last chunk (and trailer); any other end is an error. */
  private final class ChunkedBody extends Body {
    private long chunkLeft;
    private boolean done;

    @Override
    int readBody(ByteBuffer dst, boolean wait) throws IOException {
      if (done) {
        return -1;
      }
      if (chunkLeft <= 0) {
        if (!wait) {
          return 0; // the framing between chunks is read only by a reader that may wait
        }
        chunkLeft = nextChunkSize();
        if (chunkLeft == 0) {
          readFields(0, "trailer");
          done = true;
          return -1;
        }
      }
      int n = readRaw(dst, chunkLeft, wait);
      if (n < 0) {
        throw new IOException(
            shown + " ended in the middle of a chunk after " + received + " bytes");
      }
      chunkLeft -= n;
      if (chunkLeft == 0 && wait) {
        endChunk();
      } else if (chunkLeft == 0) {
        chunkLeft = -1; // the chunk's CRLF is still to be read
      }
      return n;
    }

    private void endChunk() throws IOException {
      String end = readLine(0, "chunk");
      if (!end.isEmpty()) {
        throw new IOException(shown + " sent a chunk longer than its size");
      }
    }

    private long nextChunkSize() throws IOException {
      headBytes = 0;
      if (chunkLeft < 0) {
        endChunk();
      }
      String line = readLine(0, "chunk size");
      int semicolon = line.indexOf(';');
      String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
      if (hex.isEmpty() || hex.length() > 15) {
        throw new IOException(shown + " sent a malformed chunk size: " + quote(line));
      }
      long size = 0;
      for (char c : hex.toCharArray()) {
        int d = Character.digit(c, 16);
        if (d < 0) {
          throw new IOException(shown + " sent a malformed chunk size: " + quote(line));
        }
        size = size * 16 + d;
      }
      return size;
    }
  }

  /** A body framed by the connection's end (no length, not chunked): the end is the end. */
  private final class ClosedBody extends Body {
    @Override
    int readBody(ByteBuffer dst, boolean wait) throws IOException {
      return readRaw(dst, Long.MAX_VALUE, wait);
    }
  }
}
