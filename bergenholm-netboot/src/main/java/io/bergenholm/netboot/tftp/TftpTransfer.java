package io.bergenholm.netboot.tftp;

import io.bergenholm.api.event.BootEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read transfer on its own connected UDP channel (its own port, so the kernel drops packets
 * from any other peer). All state is touched only on the channel's event loop.
 *
 * <p>Blocks are counted with a 64-bit index (1 = first DATA) and put on the wire modulo 2^16, so
 * files beyond 65535 blocks roll over to block 0. Only an ACK for a block that was sent and not yet
 * acknowledged moves the transfer on; a duplicate ACK is ignored rather than answered, which is
 * what keeps the sorcerer's apprentice away. Lost packets are resent by the timer alone.
 *
 * <p>A read request's source address may be forged. Until the peer has sent anything back, the
 * transfer resends at most {@code maxUnverifiedRetries} times and then ends without an error
 * packet, and every byte sent is counted in {@code unverifiedBytes}; only a peer that answered gets
 * the full {@code maxRetries}. Until then the server's own retransmission timeout also caps the one
 * the request asked for: a forged request with {@code timeout=255} would otherwise hold a transfer
 * slot for minutes without anyone ever answering.
 */
final class TftpTransfer extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(TftpTransfer.class);

  private final String filename;
  private final InetSocketAddress peer;
  private final TftpSource source;
  private final TransferOptions options;
  private final int maxRetries;
  private final int maxUnverifiedRetries;
  private final AtomicLong unverifiedBytes;
  private final Runnable onEnd;
  private final long lastBlock;
  private final long timeoutNanos;
  private final long unverifiedTimeoutNanos;
  private final long startNanos = System.nanoTime();

  private Channel channel;

  /** First block not yet acknowledged; 0 while the OACK waits for ACK 0. */
  private long base;

  /** Highest block sent so far. */
  private long sentHighest;

  private int retries;
  private long retransmits;
  private long deadline;
  private boolean timerArmed;
  private boolean ended;

  /** The peer has sent a packet to this transfer's port, so it did ask for the file. */
  private boolean verified;

  private Consumer<BootEvent> events = e -> {};

  TftpTransfer(
      String filename,
      InetSocketAddress peer,
      TftpSource source,
      TransferOptions options,
      int maxRetries,
      int maxUnverifiedRetries,
      Duration unverifiedTimeout,
      AtomicLong unverifiedBytes,
      Runnable onEnd) {
    this.filename = filename;
    this.peer = peer;
    this.source = source;
    this.options = options;
    this.maxRetries = maxRetries;
    this.maxUnverifiedRetries = maxUnverifiedRetries;
    this.unverifiedBytes = unverifiedBytes;
    this.onEnd = onEnd;
    this.lastBlock = source.size() / options.blockSize() + 1;
    this.timeoutNanos = options.timeout().toNanos();
    this.unverifiedTimeoutNanos = Math.min(timeoutNanos, unverifiedTimeout.toNanos());
  }

  /** Where the transfer's {@code tftp.transfer} event goes when it ends (it must not block). */
  void reportTo(Consumer<BootEvent> listener) {
    this.events = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.channel = ctx.channel();
  }

  /** Called on the channel's event loop once it is bound and connected. */
  void start() {
    if (options.needsOptionAck()) {
      base = 0;
      sendOptionAck();
    } else {
      base = 1;
      sendWindow();
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    if (ended) {
      return;
    }
    TftpPacket decoded = TftpCodec.decode(packet.content());
    if (decoded instanceof TftpPacket.Ack || decoded instanceof TftpPacket.Error) {
      verified = true;
    }
    if (decoded instanceof TftpPacket.Ack ack) {
      onAck(ack.block());
    } else if (decoded instanceof TftpPacket.Error error) {
      end("client aborted with error " + error.code() + " '" + error.message() + "'", false);
    } else {
      log.debug("ignored {} from {} during transfer of {}", decoded, peer, filename);
    }
  }

  private void onAck(int block) {
    if (base == 0) {
      if (block == 0) {
        base = 1;
        retries = 0;
        sendWindow();
      }
      return;
    }
    long acked = base + ((block - (base & 0xFFFF)) & 0xFFFF);
    if (acked > sentHighest) {
      return; // a duplicate or stale ACK: below base once mapped, or never sent
    }
    if (acked == lastBlock) {
      end(null, true);
      return;
    }
    base = acked + 1;
    retries = 0;
    sendWindow();
  }

  private void sendOptionAck() {
    ByteBuf oack = TftpCodec.optionAck(channel.alloc(), options.acknowledged());
    countUnverified(oack.readableBytes());
    channel.writeAndFlush(oack, channel.voidPromise());
    armTimer();
  }

  private void sendWindow() {
    long last = Math.min(base + options.windowSize() - 1, lastBlock);
    try {
      for (long block = base; block <= last; block++) {
        ByteBuf data = dataPacket(block);
        countUnverified(data.readableBytes());
        channel.write(data, channel.voidPromise());
      }
    } catch (IOException e) {
      channel.flush();
      fail(TftpError.UNDEFINED, "read error on " + filename + ": " + e.getMessage());
      return;
    }
    channel.flush();
    sentHighest = Math.max(sentHighest, last);
    armTimer();
  }

  private void countUnverified(int bytes) {
    if (!verified) {
      unverifiedBytes.addAndGet(bytes);
    }
  }

  private ByteBuf dataPacket(long block) throws IOException {
    long offset = (block - 1) * options.blockSize();
    int length = (int) Math.min(options.blockSize(), source.size() - offset);
    ByteBuf out = channel.alloc().ioBuffer(4 + length);
    out.writeShort(TftpPacket.DATA).writeShort((int) (block & 0xFFFF));
    try {
      source.read(offset, length, out);
    } catch (IOException | RuntimeException e) {
      out.release();
      throw e;
    }
    return out;
  }

  /**
   * One timer per transfer; sending only moves the deadline, the timer re-arms itself until it is
   * due.
   */
  private void armTimer() {
    long timeout = verified ? timeoutNanos : unverifiedTimeoutNanos;
    deadline = System.nanoTime() + timeout;
    if (!timerArmed) {
      timerArmed = true;
      channel.eventLoop().schedule(this::onTimer, timeout, TimeUnit.NANOSECONDS);
    }
  }

  private void onTimer() {
    timerArmed = false;
    if (ended) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timerArmed = true;
      channel.eventLoop().schedule(this::onTimer, left, TimeUnit.NANOSECONDS);
      return;
    }
    if (!verified && retries >= maxUnverifiedRetries) {
      // No error packet either: it would go to the same possibly forged address.
      end("no answer from the peer to the first packet and " + retries + " resends", false);
      return;
    }
    if (++retries > maxRetries) {
      fail(TftpError.UNDEFINED, "no answer after " + maxRetries + " retransmissions");
      return;
    }
    retransmits++;
    if (base == 0) {
      sendOptionAck();
    } else {
      sendWindow();
    }
  }

  private void fail(int code, String message) {
    if (channel.isActive()) {
      channel.writeAndFlush(TftpCodec.error(channel.alloc(), code, message), channel.voidPromise());
    }
    end(message, false);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A connected UDP socket reports ICMP port-unreachable here: the client is gone.
    end("socket error: " + cause, false);
  }

  /** The transfer port could not be opened; nothing was sent. */
  void failToStart(Throwable cause) {
    end("cannot open a transfer port: " + cause, false);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end("channel closed", false);
  }

  private void end(String problem, boolean complete) {
    if (ended) {
      return;
    }
    ended = true;
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    long sent = complete ? source.size() : Math.max(0, (base - 1) * options.blockSize());
    if (complete) {
      log.info(
          "sent {} to {}: {} bytes, blksize {}, windowsize {}, {} ms, {} retransmissions",
          filename,
          peer,
          sent,
          options.blockSize(),
          options.windowSize(),
          millis,
          retransmits);
    } else {
      log.warn(
          "transfer of {} to {} stopped after {} bytes, blksize {}, windowsize {}, {} ms: {}",
          filename,
          peer,
          sent,
          options.blockSize(),
          options.windowSize(),
          millis,
          problem);
    }
    events.accept(
        BootEvent.ofClient(
            BootEvent.KIND_TFTP_TRANSFER,
            null,
            peer.getAddress().getHostAddress(),
            complete
                ? BootEvent.OK
                : problem.startsWith("client aborted") ? BootEvent.ABORTED : BootEvent.ERROR,
            transferAttributes(sent, millis, problem)));
    try {
      source.close();
    } finally {
      if (channel != null) {
        channel.close();
      }
      onEnd.run();
    }
  }

  private Map<String, String> transferAttributes(long sent, long millis, String problem) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("file", filename);
    a.put("bytes", Long.toString(sent));
    a.put("duration_ms", Long.toString(millis));
    a.put("blksize", Integer.toString(options.blockSize()));
    a.put("windowsize", Integer.toString(options.windowSize()));
    a.put("options", String.join(",", options.acknowledged().keySet()));
    a.put("retransmits", Long.toString(retransmits));
    if (problem != null && !problem.isEmpty()) {
      a.put("error", problem);
    }
    return a;
  }
}
