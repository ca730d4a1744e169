package io.bergenholm.netboot.http;

import io.bergenholm.engine.ImageTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Serves {@code /ipxe/kernel/<id>}, {@code /ipxe/module/<id>[/N]} and {@code /ipxe/initrd/<id>[/N]}
 * once the host's image has been resolved.
 *
 * <p>Contract: {@link #serve} is called on the channel's event loop, after every earlier response
 * on the connection has been written, and never for an unknown image (the server answers 404
 * itself). The implementation writes exactly one HTTP response to {@code ctx} (status line, headers
 * with a correct {@code Content-Length}, body), may do so from any thread and in pieces, and should
 * respect {@link io.netty.channel.Channel#isWritable()} so that a slow client does not fill memory.
 * It must not block the event loop. For {@code HEAD} it writes headers only. If {@code
 * call.keepAlive()} is false it closes the channel after the response. The returned stage completes
 * when the response is fully written (or the channel is gone); the next response on the connection
 * waits for it. Failures before the first byte are answered with {@link HttpReplies#error}; after
 * that, the only honest signal left is closing the connection.
 */
@FunctionalInterface
public interface ImageRoute {
  CompletionStage<Void> serve(ChannelHandlerContext ctx, ImageCall call, ImageTarget target);

  /** Answers 501: image streaming is provided by a separate module. */
  static ImageRoute notImplemented() {
    return (ctx, call, target) -> {
      CompletableFuture<Void> done = new CompletableFuture<>();
      HttpReplies.write(ctx, HttpReplies.error(HttpResponseStatus.NOT_IMPLEMENTED,
              "image streaming is not enabled in this server (" + target.parameter() + " of host '"
                  + call.hostId() + "')"),
          call.method(), call.keepAlive())
          .addListener(f -> done.complete(null));
      return done;
    };
  }
}
