package io.bergenholm.netboot.tftp;

import io.bergenholm.api.event.BootEvent;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers packets on the server port: a read request starts a transfer on a fresh port, anything
 * else gets a TFTP error (or nothing, for an ERROR packet, so two servers cannot ping-pong).
 * Looking the file up blocks, so it runs on the lookup executor.
 */
final class TftpRequestHandler extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(TftpRequestHandler.class);

  private final TftpServer.Settings settings;
  private final TftpFiles files;
  private final ExecutorService lookups;
  private final Bootstrap transfers;
  private final AtomicInteger active;
  private final AtomicLong unverifiedBytes;
  private final Consumer<BootEvent> events;

  TftpRequestHandler(
      TftpServer.Settings settings,
      TftpFiles files,
      ExecutorService lookups,
      Bootstrap transfers,
      AtomicInteger active,
      AtomicLong unverifiedBytes,
      Consumer<BootEvent> events) {
    this.events = events;
    this.settings = settings;
    this.files = files;
    this.lookups = lookups;
    this.transfers = transfers;
    this.active = active;
    this.unverifiedBytes = unverifiedBytes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress peer = packet.sender();
    TftpPacket decoded = TftpCodec.decode(packet.content());
    if (decoded instanceof TftpPacket.Request r) {
      if (r.write()) {
        reply(ctx, peer, TftpError.ACCESS_VIOLATION, "this TFTP server is read-only");
      } else {
        accept(ctx, peer, r);
      }
    } else if (decoded instanceof TftpPacket.Error e) {
      log.debug("ignored error {} '{}' from {}", e.code(), e.message(), peer);
    } else if (decoded instanceof TftpPacket.Malformed m) {
      reply(ctx, peer, TftpError.ILLEGAL_OPERATION, "malformed packet: " + m.reason());
    } else {
      reply(ctx, peer, TftpError.ILLEGAL_OPERATION, "expected a read request");
    }
  }

  private void accept(
      ChannelHandlerContext ctx, InetSocketAddress peer, TftpPacket.Request request) {
    if (active.incrementAndGet() > settings.maxTransfers()) {
      active.decrementAndGet();
      reply(
          ctx,
          peer,
          TftpError.UNDEFINED,
          "server busy: " + settings.maxTransfers() + " transfers running");
      return;
    }
    try {
      lookups.execute(() -> lookUpAndStart(ctx, peer, request));
    } catch (RejectedExecutionException e) {
      active.decrementAndGet();
      reply(ctx, peer, TftpError.UNDEFINED, "server busy: too many pending requests");
    }
  }

  private void lookUpAndStart(
      ChannelHandlerContext ctx, InetSocketAddress peer, TftpPacket.Request request) {
    TftpFiles.Lookup lookup;
    try {
      lookup = files.open(request.filename(), request.mode(), peer);
    } catch (RuntimeException e) {
      lookup =
          new TftpFiles.Lookup.Refused(
              TftpError.UNDEFINED, "cannot open " + request.filename() + ": " + e);
    }
    if (lookup instanceof TftpFiles.Lookup.Pending pending) {
      pending
          .answer()
          .whenComplete(
              (answer, failure) ->
                  start(
                      ctx,
                      peer,
                      request,
                      failure == null
                          ? answer
                          : new TftpFiles.Lookup.Refused(
                              TftpError.UNDEFINED,
                              "cannot make " + request.filename() + ": " + failure)));
      return;
    }
    start(ctx, peer, request, lookup);
  }

  private void start(
      ChannelHandlerContext ctx,
      InetSocketAddress peer,
      TftpPacket.Request request,
      TftpFiles.Lookup lookup) {
    if (!(lookup instanceof TftpFiles.Lookup.Found found)) {
      active.decrementAndGet();
      TftpFiles.Lookup.Refused refused =
          lookup instanceof TftpFiles.Lookup.Refused r
              ? r
              : new TftpFiles.Lookup.Refused(
                  TftpError.UNDEFINED, "no answer for " + request.filename());
      if (refused.code() == TftpRefusal.REPEATED) {
        log.debug("dropped a repeated request from {}: {}", peer, refused.message());
        return;
      }
      log.info("refused {} to {}: {}", request.filename(), peer, refused.message());
      reply(ctx, peer, refused.code(), refused.message());
      return;
    }
    TftpSource source = found.source();
    TransferOptions options =
        TransferOptions.negotiate(
            request.options(),
            source.size(),
            settings.maxBlockSize(),
            settings.maxWindowBytes(),
            settings.retransmitTimeout());
    TftpTransfer transfer =
        new TftpTransfer(
            request.filename(),
            peer,
            source,
            options,
            settings.maxRetries(),
            settings.maxUnverifiedRetries(),
            settings.retransmitTimeout(),
            unverifiedBytes,
            active::decrementAndGet);
    transfer.reportTo(events);
    InetSocketAddress local =
        new InetSocketAddress(((InetSocketAddress) ctx.channel().localAddress()).getAddress(), 0);
    ChannelFuture connected = transfers.clone().handler(transfer).connect(peer, local);
    connected.addListener(
        f -> {
          if (f.isSuccess()) {
            transfer.start();
          } else {
            transfer.failToStart(f.cause());
            reply(ctx, peer, TftpError.UNDEFINED, "cannot open a transfer port");
          }
        });
  }

  private static void reply(
      ChannelHandlerContext ctx, InetSocketAddress peer, int code, String message) {
    ByteBuf error = TftpCodec.error(ctx.alloc(), code, message);
    ctx.writeAndFlush(new DatagramPacket(error, peer), ctx.voidPromise());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // An unconnected UDP socket has no peer to blame; keep serving.
    log.warn("TFTP server socket error: {}", cause.toString());
  }
}
