package io.bergenholm.netboot.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A TFTP read client for tests that real clients cannot run: it loses and repeats packets on
 * purpose (driven by a seeded {@link Random}), follows block-number rollover and counts every DATA
 * packet it sees, so a test can tell a needless retransmission from a needed one.
 */
final class TestTftpClient implements AutoCloseable {

  /** What went wrong on the way, and how often: probabilities in [0, 1]. */
  record Loss(double dropData, double dropAck, double duplicateAck) {
    static final Loss NONE = new Loss(0, 0, 0);
  }

  record Result(
      byte[] content,
      Map<String, String> optionAck,
      TftpPacket.Error error,
      long dataPackets,
      long duplicateData) {}

  private final DatagramSocket socket;
  private final Random random;
  private final Loss loss;
  private final byte[] receiveBuffer = new byte[65536];
  private InetSocketAddress lastTarget;
  private byte[] lastSent;

  TestTftpClient(long seed, Loss loss) {
    try {
      this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      this.socket.setSoTimeout(300);
      this.socket.setReceiveBufferSize(1024 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.random = new Random(seed);
    this.loss = loss;
  }

  Result get(InetSocketAddress server, String name, Map<String, String> options)
      throws IOException {
    ByteBuf rrq = TftpCodec.request(ByteBufAllocator.DEFAULT, false, name, "octet", options);
    send(server, ByteBufUtil.getBytes(rrq));
    rrq.release();
    InetSocketAddress tid = null;
    Map<String, String> oack = Map.of();
    int blockSize = 512;
    int windowSize = 1;
    long expected = 1;
    int inWindow = 0;
    long dataPackets = 0;
    long duplicates = 0;
    int silentRounds = 0;
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    while (true) {
      DatagramPacket packet = new DatagramPacket(receiveBuffer, receiveBuffer.length);
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        if (++silentRounds > 40) {
          throw new IOException("no answer from " + server + " for " + name);
        }
        resend();
        continue;
      }
      silentRounds = 0;
      InetSocketAddress from = (InetSocketAddress) packet.getSocketAddress();
      if (tid == null) {
        tid = from;
      } else if (!tid.equals(from)) {
        sendError(from, TftpError.UNKNOWN_TRANSFER_ID, "unknown transfer id");
        continue;
      }
      TftpPacket decoded =
          TftpCodec.decode(Unpooled.wrappedBuffer(packet.getData(), 0, packet.getLength()));
      if (decoded instanceof TftpPacket.Error error) {
        return new Result(content.toByteArray(), oack, error, dataPackets, duplicates);
      } else if (decoded instanceof TftpPacket.OptionAck ack) {
        if (expected == 1 && dataPackets == 0) {
          oack = new LinkedHashMap<>(ack.options());
          blockSize = Integer.parseInt(oack.getOrDefault("blksize", "512"));
          windowSize = Integer.parseInt(oack.getOrDefault("windowsize", "1"));
          ack(tid, 0);
        }
      } else if (decoded instanceof TftpPacket.Data data) {
        dataPackets++;
        if (random.nextDouble() < loss.dropData()) {
          continue;
        }
        if (data.block() == (int) (expected & 0xFFFF)) {
          content.write(data.payload());
          boolean last = data.payload().length < blockSize;
          if (last) {
            ack(tid, data.block());
            return new Result(content.toByteArray(), oack, null, dataPackets, duplicates);
          }
          expected++;
          if (++inWindow == windowSize) {
            inWindow = 0;
            ack(tid, data.block());
          }
        } else {
          duplicates++;
          // A gap (RFC 7440) or a block seen before (its ACK was lost, RFC 1350): either way
          // acknowledge the last block received in order.
          inWindow = 0;
          ack(tid, (int) ((expected - 1) & 0xFFFF));
        }
      }
    }
  }

  /**
   * Sends raw bytes to the server and returns the first answer, if any arrives within the socket
   * timeout.
   */
  TftpPacket exchange(InetSocketAddress server, byte[] bytes) throws IOException {
    socket.send(new DatagramPacket(bytes, bytes.length, server));
    DatagramPacket packet = new DatagramPacket(receiveBuffer, receiveBuffer.length);
    socket.setSoTimeout(2000);
    try {
      socket.receive(packet);
    } finally {
      socket.setSoTimeout(300);
    }
    return TftpCodec.decode(Unpooled.wrappedBuffer(packet.getData(), 0, packet.getLength()));
  }

  /** Waits for one packet and returns it with its sender. */
  Map.Entry<InetSocketAddress, TftpPacket> receive(int timeoutMillis) throws IOException {
    DatagramPacket packet = new DatagramPacket(receiveBuffer, receiveBuffer.length);
    socket.setSoTimeout(timeoutMillis);
    try {
      socket.receive(packet);
    } finally {
      socket.setSoTimeout(300);
    }
    return Map.entry(
        (InetSocketAddress) packet.getSocketAddress(),
        TftpCodec.decode(Unpooled.wrappedBuffer(packet.getData(), 0, packet.getLength())));
  }

  void sendRaw(InetSocketAddress to, byte[] bytes) throws IOException {
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  private void ack(InetSocketAddress to, int block) throws IOException {
    byte[] bytes = ByteBufUtil.getBytes(TftpCodec.ack(ByteBufAllocator.DEFAULT, block));
    lastTarget = to;
    lastSent = bytes;
    if (random.nextDouble() < loss.dropAck()) {
      return;
    }
    socket.send(new DatagramPacket(bytes, bytes.length, to));
    if (random.nextDouble() < loss.duplicateAck()) {
      socket.send(new DatagramPacket(bytes, bytes.length, to));
    }
  }

  private void send(InetSocketAddress to, byte[] bytes) throws IOException {
    lastTarget = to;
    lastSent = bytes;
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  private void resend() throws IOException {
    socket.send(new DatagramPacket(lastSent, lastSent.length, lastTarget));
  }

  private void sendError(InetSocketAddress to, int code, String message) throws IOException {
    ByteBuf error = TftpCodec.error(ByteBufAllocator.DEFAULT, code, message);
    byte[] bytes = ByteBufUtil.getBytes(error);
    error.release();
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  @Override
  public void close() {
    socket.close();
  }
}
