package io.bergenholm.power.ipmi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay on 127.0.0.1 between IPMI clients and a BMC that loses the datagrams a {@link
 * DropRule} picks, so that tests can watch the client resend. Every datagram gets an index in
 * arrival order, counted separately per direction.
 */
final class UdpRelay implements AutoCloseable {
  enum Direction {
    TO_BMC,
    TO_CLIENT
  }

  @FunctionalInterface
  interface DropRule {
    boolean drop(Direction direction, int index, byte[] datagram);
  }

  private final DatagramSocket front;
  private final InetSocketAddress bmc;
  private final DropRule rule;
  private final Map<SocketAddress, DatagramSocket> backs = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger toBmc = new AtomicInteger();
  private final AtomicInteger toClient = new AtomicInteger();
  private final List<String> dropped = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean closed;

  UdpRelay(int bmcPort, DropRule rule) throws SocketException {
    this.front = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    this.bmc = new InetSocketAddress(InetAddress.getLoopbackAddress(), bmcPort);
    this.rule = rule;
    start(this::pumpFromClients);
  }

  int port() {
    return front.getLocalPort();
  }

  /** What was lost, such as {@code TO_BMC #0 (22 bytes)}. */
  List<String> dropped() {
    synchronized (dropped) {
      return List.copyOf(dropped);
    }
  }

  int forwardedToBmc() {
    return toBmc.get();
  }

  private void start(Runnable r) {
    Thread t = new Thread(r, "udp-relay");
    t.setDaemon(true);
    synchronized (threads) {
      threads.add(t);
    }
    t.start();
  }

  private void pumpFromClients() {
    byte[] buf = new byte[2048];
    while (!closed) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        front.receive(p);
        SocketAddress client = p.getSocketAddress();
        byte[] data = Arrays.copyOf(p.getData(), p.getLength());
        int index = toBmc.getAndIncrement();
        if (rule.drop(Direction.TO_BMC, index, data)) {
          dropped.add(Direction.TO_BMC + " #" + index + " (" + data.length + " bytes)");
          continue;
        }
        DatagramSocket back = backs.computeIfAbsent(client, c -> openBack(c));
        back.send(new DatagramPacket(data, data.length, bmc));
      } catch (IOException e) {
        if (!closed) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  private DatagramSocket openBack(SocketAddress client) {
    try {
      DatagramSocket back = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      start(() -> pumpFromBmc(back, client));
      return back;
    } catch (SocketException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pumpFromBmc(DatagramSocket back, SocketAddress client) {
    byte[] buf = new byte[2048];
    while (!closed) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        back.receive(p);
        byte[] data = Arrays.copyOf(p.getData(), p.getLength());
        int index = toClient.getAndIncrement();
        if (rule.drop(Direction.TO_CLIENT, index, data)) {
          dropped.add(Direction.TO_CLIENT + " #" + index + " (" + data.length + " bytes)");
          continue;
        }
        front.send(new DatagramPacket(data, data.length, client));
      } catch (IOException e) {
        if (!closed) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    front.close();
    backs.values().forEach(DatagramSocket::close);
    List<Thread> all;
    synchronized (threads) {
      all = List.copyOf(threads);
    }
    try {
      for (Thread t : all) {
        t.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
