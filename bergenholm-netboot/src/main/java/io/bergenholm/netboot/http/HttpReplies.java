package io.bergenholm.netboot.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/** Turns a {@link Reply} into bytes on a connection. */
final class HttpReplies {
  private HttpReplies() {}

  /**
   * Writes {@code reply} with a correct {@code Content-Length} (none for 204 and 304, which have no
   * body by definition) and closes the channel afterwards unless {@code keepAlive}.
   */
  static ChannelFuture write(
      ChannelHandlerContext ctx, Reply reply, HttpMethod method, boolean keepAlive) {
    ChannelFuture f = ctx.writeAndFlush(toResponse(reply, method, keepAlive));
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
    return f;
  }

  static FullHttpResponse toResponse(Reply reply, HttpMethod method, boolean keepAlive) {
    boolean bodiless = reply.status().code() == 204 || reply.status().code() == 304;
    boolean head = HttpMethod.HEAD.equals(method);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            reply.status(),
            bodiless || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
    reply.headers().forEach((name, value) -> response.headers().set(name, value));
    if (!bodiless) {
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
      if (reply.body().length > 0) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
      }
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    return response;
  }
}
