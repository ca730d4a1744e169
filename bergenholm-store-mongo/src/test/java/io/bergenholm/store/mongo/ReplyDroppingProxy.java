package io.bergenholm.store.mongo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on 127.0.0.1 in front of a MongoDB server that can break a connection at the worst
 * moment for a write: after the server has received (and applied) a command, before its reply
 * reaches the driver. {@link #dropReplyTo(String)} arms it for the next command of that name.
 */
final class ReplyDroppingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final AtomicReference<String> armed = new AtomicReference<>();
  private final AtomicInteger dropped = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  ReplyDroppingProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread accept = new Thread(this::acceptLoop, "proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Breaks the connection that carries the next command named {@code command}, reply unsent. */
  void dropReplyTo(String command) {
    armed.set(command);
  }

  /** How many replies were dropped so far. */
  int dropped() {
    return dropped.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        AtomicReference<Boolean> dropNext = new AtomicReference<>(false);
        start(() -> requests(client, server, dropNext));
        start(() -> replies(server, client, dropNext));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** Client to server, one wire message at a time, noting a write command that is armed. */
  private void requests(Socket client, Socket server, AtomicReference<Boolean> dropNext) {
    try (DataInputStream in = new DataInputStream(client.getInputStream())) {
      OutputStream out = server.getOutputStream();
      while (true) {
        byte[] header = new byte[4];
        in.readFully(header);
        int length =
            (header[0] & 0xff)
                | (header[1] & 0xff) << 8
                | (header[2] & 0xff) << 16
                | (header[3] & 0xff) << 24;
        byte[] rest = new byte[length - 4];
        in.readFully(rest);
        String command = armed.get();
        // A command document's first key is the command name, a BSON C string.
        if (command != null
            && new String(rest, StandardCharsets.ISO_8859_1).contains(command + "\0")
            && armed.compareAndSet(command, null)) {
          dropNext.set(true);
        }
        out.write(header);
        out.write(rest);
        out.flush();
      }
    } catch (IOException e) {
      closeQuietly(client, server);
    }
  }

  private void replies(Socket server, Socket client, AtomicReference<Boolean> dropNext) {
    try (InputStream in = server.getInputStream()) {
      OutputStream out = client.getOutputStream();
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (dropNext.get()) {
          dropped.incrementAndGet();
          closeQuietly(client, server);
          return;
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      closeQuietly(client, server);
    }
  }

  private static void closeQuietly(Socket... ss) {
    for (Socket s : ss) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Already broken; the point of this proxy.
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
