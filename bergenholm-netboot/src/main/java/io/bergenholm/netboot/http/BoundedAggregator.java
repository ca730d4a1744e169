package io.bergenholm.netboot.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/** Collects a request body up to the limit, and answers a larger one with a JSON 413. */
final class BoundedAggregator extends HttpObjectAggregator {
  private final int maxBodyBytes;

  BoundedAggregator(int maxBodyBytes) {
    super(maxBodyBytes);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
    if (answer instanceof FullHttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
      ReferenceCountUtil.release(answer);
      return HttpReplies.toResponse(tooLarge(maxBodyBytes), HttpMethod.POST, true);
    }
    return answer;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    // The rest of the body is still on the wire, so the connection cannot be reused.
    ctx.writeAndFlush(HttpReplies.toResponse(tooLarge(maxBodyBytes), HttpMethod.POST, false))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** The 413 answer to a body over {@code maxBodyBytes}; also given by {@link HttpRoutes}. */
  static Reply tooLarge(int maxBodyBytes) {
    return Reply.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "the request body is larger than " + maxBodyBytes + " bytes");
  }
}
