package io.bergenholm.netboot.dhcp;

import io.bergenholm.api.event.BootEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.AttributeKey;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers PXE clients on the DHCP port (DISCOVER gets a proxy OFFER) and on the PXE port 4011
 * (REQUEST or INFORM gets an ACK). The answer carries no address (yiaddr 0): the site's DHCP server
 * hands those out. Everything else is ignored; packets that are not DHCP are counted. Decoding runs
 * on the event loop; choosing the answer runs on the policy executor, because the per-host override
 * may look the host up in a store.
 */
@ChannelHandler.Sharable
final class ProxyDhcpHandler extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(ProxyDhcpHandler.class);

  /**
   * PXE vendor option 43, sub-option 6: boot the file named in the offer, no menu, no discovery.
   */
  private static final int PXE_DISCOVERY_CONTROL = 6;

  private static final int PXE_BOOT_ITEM = 71;
  private static final byte DISCOVERY_USE_BOOT_FILE = 8;

  /** Marks the channel bound to the PXE port (4011). */
  static final AttributeKey<Boolean> PXE_PORT =
      AttributeKey.valueOf(ProxyDhcpHandler.class, "pxePort");

  private final BootPolicy policy;
  private final InetAddress serverId;
  private final InetAddress bootServer;
  private final int clientPort;
  private final Supplier<Channel> replyChannel;
  private final Executor policyExecutor;
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong ignored = new AtomicLong();
  final AtomicLong answered = new AtomicLong();

  private volatile Consumer<BootEvent> events = e -> {};

  /** Where each offer's {@code dhcp.offer} event goes (it must not block). */
  void reportTo(Consumer<BootEvent> listener) {
    this.events = listener;
  }

  ProxyDhcpHandler(
      BootPolicy policy,
      InetAddress serverId,
      InetAddress bootServer,
      int clientPort,
      Supplier<Channel> replyChannel,
      Executor policyExecutor) {
    this.policyExecutor = policyExecutor;
    this.policy = policy;
    this.serverId = serverId;
    this.bootServer = bootServer;
    this.clientPort = clientPort;
    this.replyChannel = replyChannel;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    DhcpMessage request;
    try {
      request = DhcpMessage.decode(packet.content());
    } catch (DhcpMessage.MalformedException | IndexOutOfBoundsException e) {
      malformed.incrementAndGet();
      log.debug("dropped malformed packet from {}: {}", packet.sender(), e.getMessage());
      return;
    }
    boolean onPxePort = Boolean.TRUE.equals(ctx.channel().attr(PXE_PORT).get());
    InetSocketAddress sender = packet.sender();
    Channel in = ctx.channel();
    try {
      policyExecutor.execute(() -> answerAndSend(request, onPxePort, sender, in));
    } catch (RejectedExecutionException e) {
      ignored.incrementAndGet();
      log.warn("dropped a request from {}: too many waiting for an answer", sender);
    }
  }

  private void answerAndSend(
      DhcpMessage request, boolean onPxePort, InetSocketAddress sender, Channel in) {
    Optional<DhcpMessage> reply = answer(request, onPxePort);
    if (reply.isEmpty()) {
      ignored.incrementAndGet();
      return;
    }
    InetSocketAddress target = onPxePort ? sender : offerTarget(request);
    Channel out = onPxePort ? in : replyChannel.get();
    ByteBuf buf = out.alloc().buffer(548);
    reply.get().encode(buf);
    out.writeAndFlush(new DatagramPacket(buf, target))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.warn("cannot send proxyDHCP answer to {}: {}", target, f.cause().toString());
              }
            });
    answered.incrementAndGet();
  }

  /**
   * A relayed request is answered through its relay; otherwise the client has no address yet, so
   * broadcast.
   */
  private InetSocketAddress offerTarget(DhcpMessage request) {
    if (!DhcpMessage.isZero(request.giaddr())) {
      // relays listen on the server port; that is this server's own bound port
      int port = ((InetSocketAddress) replyChannel.get().localAddress()).getPort();
      return new InetSocketAddress(DhcpMessage.address(request.giaddr()), port);
    }
    return new InetSocketAddress(DhcpMessage.address(new byte[] {-1, -1, -1, -1}), clientPort);
  }

  Optional<DhcpMessage> answer(DhcpMessage request, boolean onPxePort) {
    if (request.op() != DhcpMessage.BOOTREQUEST) {
      return Optional.empty();
    }
    Optional<Integer> type = request.messageType();
    int replyType;
    if (!onPxePort && type.equals(Optional.of(DhcpMessage.DISCOVER))) {
      replyType = DhcpMessage.OFFER;
    } else if (onPxePort
        && (type.equals(Optional.of(DhcpMessage.REQUEST))
            || type.equals(Optional.of(DhcpMessage.INFORM)))) {
      replyType = DhcpMessage.ACK;
    } else {
      return Optional.empty();
    }
    String vendorClass = request.optionString(DhcpMessage.OPT_VENDOR_CLASS).orElse("");
    boolean pxeClient = vendorClass.startsWith("PXEClient");
    boolean httpClient = vendorClass.startsWith("HTTPClient");
    if (!pxeClient && !httpClient) {
      return Optional.empty();
    }
    int arch =
        request
            .option(DhcpMessage.OPT_CLIENT_ARCH)
            .filter(v -> v.length >= 2)
            .map(v -> ((v[0] & 0xFF) << 8) | (v[1] & 0xFF))
            .orElse(BootPolicy.ARCH_BIOS);
    ClientIdentity client = new ClientIdentity(request.mac(), request.clientUuid(), arch);
    Optional<BootPolicy.Choice> choice;
    try {
      choice = policy.choose(request, client, httpClient);
    } catch (RuntimeException e) {
      log.warn("no boot file for {}: the per-host override failed: {}", client, e.toString());
      return Optional.empty();
    }
    if (choice.isEmpty()) {
      log.info(
          "no boot file for {} (vendor class {}): architecture {} has none configured",
          client.mac(),
          vendorClass,
          arch);
      return Optional.empty();
    }
    log.info(
        "{} for {} (arch {}, uuid {}): {}",
        replyType == DhcpMessage.OFFER ? "proxy offer" : "PXE ack",
        client.mac(),
        arch,
        client.uuid().map(Object::toString).orElse("-"),
        choice.get().bootFile());
    events.accept(
        new BootEvent(
            Instant.now(),
            BootEvent.KIND_DHCP_OFFER,
            client.uuid().map(Object::toString),
            Optional.of(client.mac()),
            Optional.empty(),
            BootEvent.OK,
            Map.of(
                "arch",
                Integer.toString(arch),
                "boot_file",
                choice.get().bootFile(),
                "type",
                replyType == DhcpMessage.OFFER ? "offer" : "ack")));
    return Optional.of(reply(request, replyType, choice.get(), httpClient));
  }

  private DhcpMessage reply(
      DhcpMessage request, int type, BootPolicy.Choice choice, boolean httpClient) {
    Map<Integer, byte[]> options = new LinkedHashMap<>();
    options.put(DhcpMessage.OPT_MESSAGE_TYPE, new byte[] {(byte) type});
    options.put(DhcpMessage.OPT_SERVER_ID, serverId.getAddress());
    options.put(
        DhcpMessage.OPT_VENDOR_CLASS,
        (httpClient ? "HTTPClient" : "PXEClient").getBytes(StandardCharsets.US_ASCII));
    request
        .option(DhcpMessage.OPT_CLIENT_UUID)
        .ifPresent(uuid -> options.put(DhcpMessage.OPT_CLIENT_UUID, uuid));
    if (!httpClient) {
      options.put(DhcpMessage.OPT_VENDOR_SPECIFIC, pxeVendorOptions(request));
    }
    byte[] file = choice.bootFile().getBytes(StandardCharsets.US_ASCII);
    boolean fitsFileField = file.length < 128;
    if (!fitsFileField || choice.httpBoot()) {
      options.put(DhcpMessage.OPT_BOOTFILE, file);
    }
    byte[] ciaddr = type == DhcpMessage.ACK ? request.ciaddr() : new byte[4];
    return new DhcpMessage(
        DhcpMessage.BOOTREPLY,
        request.htype(),
        request.hlen(),
        0,
        request.xid(),
        0,
        request.flags(),
        ciaddr,
        new byte[4],
        bootServer.getAddress(),
        request.giaddr(),
        request.chaddr(),
        bootServer.getHostAddress(),
        fitsFileField ? choice.bootFile() : "",
        options);
  }

  /**
   * PXE spec 2.1 vendor options: boot the offered file directly, and echo the boot item a 4011
   * request names.
   */
  private static byte[] pxeVendorOptions(DhcpMessage request) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(PXE_DISCOVERY_CONTROL);
    out.write(1);
    out.write(DISCOVERY_USE_BOOT_FILE);
    request
        .option(DhcpMessage.OPT_VENDOR_SPECIFIC)
        .flatMap(ProxyDhcpHandler::bootItem)
        .ifPresent(
            item -> {
              out.write(PXE_BOOT_ITEM);
              out.write(item.length);
              out.writeBytes(item);
            });
    out.write(DhcpMessage.OPT_END);
    return out.toByteArray();
  }

  private static Optional<byte[]> bootItem(byte[] vendorOptions) {
    for (int i = 0; i + 1 < vendorOptions.length; ) {
      int code = vendorOptions[i] & 0xFF;
      if (code == DhcpMessage.OPT_END) {
        break;
      }
      if (code == DhcpMessage.OPT_PAD) {
        i++;
        continue;
      }
      int length = vendorOptions[i + 1] & 0xFF;
      if (i + 2 + length > vendorOptions.length) {
        break;
      }
      if (code == PXE_BOOT_ITEM && length == 4) {
        return Optional.of(java.util.Arrays.copyOfRange(vendorOptions, i + 2, i + 6));
      }
      i += 2 + length;
    }
    return Optional.empty();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.warn("proxyDHCP socket error on {}: {}", ctx.channel().localAddress(), cause.toString());
  }
}
