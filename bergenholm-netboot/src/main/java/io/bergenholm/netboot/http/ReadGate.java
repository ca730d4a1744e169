package io.bergenholm.netboot.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * Stops reading a connection while it is closed: turning auto-read off is not enough on its own,
 * because the HTTP decoder and aggregator ask for more bytes themselves while a request is only
 * partly read, and so would keep reading request after request. Placed before the codec, this holds
 * back every such read until the gate opens again.
 */
final class ReadGate extends ChannelDuplexHandler {
  static final String NAME = "read-gate";

  private boolean closed;
  private boolean readWanted;

  /** Stops reading from the connection (event loop only). */
  void close(ChannelHandlerContext any) {
    closed = true;
    any.channel().config().setAutoRead(false);
  }

  /** Reads again, and issues the read that was held back (event loop only). */
  void open(ChannelHandlerContext any) {
    if (!closed) {
      return;
    }
    closed = false;
    readWanted = false;
    any.channel().config().setAutoRead(true);
    any.channel().read();
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (closed) {
      readWanted = true;
      return;
    }
    ctx.read();
  }
}
