package io.bergenholm.netboot.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Collects a request body up to the limit, and answers a larger one with a JSON 413, after which
 * the connection closes lingering (see {@link LingeringClose}) so that the client gets the answer.
 */
final class BoundedAggregator extends HttpObjectAggregator {
  private final int maxBodyBytes;
  private final TransportLimits transport;

  BoundedAggregator(int maxBodyBytes) {
    this(maxBodyBytes, TransportLimits.defaults());
  }

  BoundedAggregator(int maxBodyBytes, TransportLimits transport) {
    super(maxBodyBytes);
    this.maxBodyBytes = maxBodyBytes;
    this.transport = transport;
  }

  @Override
  protected Object newContinueResponse(
      HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
    if (answer instanceof FullHttpResponse r
        && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
      ReferenceCountUtil.release(answer);
      return HttpReplies.toResponse(tooLarge(maxBodyBytes), HttpMethod.POST, true);
    }
    return answer;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    // The rest of the body is still on the wire, so the connection cannot be reused.
    ctx.writeAndFlush(HttpReplies.toResponse(tooLarge(maxBodyBytes), HttpMethod.POST, false))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                LingeringClose.start(ctx, transport.lingerBytes(), transport.lingerTime());
              } else {
                ctx.close();
              }
            });
  }

  /** The 413 answer to a body over {@code maxBodyBytes}; also given by {@link HttpRoutes}. */
  static Reply tooLarge(int maxBodyBytes) {
    return Reply.error(
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "the request body is larger than " + maxBodyBytes + " bytes");
  }
}
