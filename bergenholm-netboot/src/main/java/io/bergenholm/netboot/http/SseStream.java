package io.bergenholm.netboot.http;

import io.bergenholm.api.event.BootEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live follower of the boot events, as Server-Sent Events. The recorder hands each event to
 * {@link #offer} on whatever thread recorded it (a boot's thread, an event loop); offering only
 * puts it in this follower's bounded buffer and wakes the connection's event loop, which writes. A
 * follower that falls {@value #BUFFER} events behind (a slow reader, a stalled connection) is told
 * so in a comment and dropped: it never holds back a boot or another follower.
 */
final class SseStream {
  private static final Logger log = LoggerFactory.getLogger(SseStream.class);
  static final int BUFFER = 1024;
  static final int MAX_FOLLOWERS = 64;
  private static final AtomicInteger followers = new AtomicInteger();

  private final ChannelHandlerContext ctx;
  private final EventStream stream;
  private final BlockingQueue<BootEvent> buffer = new ArrayBlockingQueue<>(BUFFER);
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile boolean overflowed;
  private AutoCloseable subscription;
  private ScheduledFuture<?> heartbeat;

  private SseStream(ChannelHandlerContext ctx, EventStream stream) {
    this.ctx = ctx;
    this.stream = stream;
  }

  /** Starts following; on the event loop. The stage completes when the connection closes. */
  static CompletableFuture<Void> serve(ChannelHandlerContext ctx, EventStream stream) {
    if (followers.incrementAndGet() > MAX_FOLLOWERS) {
      followers.decrementAndGet();
      CompletableFuture<Void> refused = new CompletableFuture<>();
      HttpReplies.write(
              ctx,
              Reply.error(
                  HttpResponseStatus.SERVICE_UNAVAILABLE,
                  "already " + MAX_FOLLOWERS + " event streams open"),
              io.netty.handler.codec.http.HttpMethod.GET,
              false)
          .addListener(f -> refused.complete(null));
      return refused;
    }
    SseStream s = new SseStream(ctx, stream);
    s.start();
    return s.done;
  }

  private void start() {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    HttpUtil.setTransferEncodingChunked(response, true);
    ctx.write(response);
    ctx.writeAndFlush(chunk(": following boot events\n\n"));
    subscription = stream.events().subscribe(this::offer);
    long every = stream.heartbeat().toMillis();
    heartbeat =
        ctx.executor()
            .scheduleAtFixedRate(
                () -> ctx.writeAndFlush(chunk(": heartbeat\n\n")),
                every,
                every,
                TimeUnit.MILLISECONDS);
    ctx.channel().closeFuture().addListener(f -> stop());
  }

  /** Any thread: buffers the event and wakes the event loop. */
  private void offer(BootEvent event) {
    if (stream.subject().isPresent() && !stream.subject().get().equals(event.subject())) {
      return;
    }
    if (!buffer.offer(event)) {
      overflowed = true;
    }
    if (scheduled.compareAndSet(false, true)) {
      ctx.executor().execute(this::drain);
    }
  }

  private void drain() {
    scheduled.set(false);
    if (!ctx.channel().isActive()) {
      return;
    }
    if (overflowed) {
      log.info(
          "dropping the event stream of {}: it fell {} events behind",
          ctx.channel().remoteAddress(),
          BUFFER);
      ctx.writeAndFlush(chunk(": dropped: this reader fell " + BUFFER + " events behind\n\n"))
          .addListener(ChannelFutureListener.CLOSE);
      stop();
      return;
    }
    if (!ctx.channel().isWritable()) {
      // The socket is full: keep buffering; writability coming back is not awaited, a reader that
      // stays behind overflows the buffer and is dropped.
      ctx.channel()
          .eventLoop()
          .schedule(
              () -> {
                if (scheduled.compareAndSet(false, true)) {
                  drain();
                }
              },
              50,
              TimeUnit.MILLISECONDS);
      return;
    }
    StringBuilder out = new StringBuilder();
    BootEvent e;
    while ((e = buffer.poll()) != null) {
      out.append("event: ")
          .append(e.kind())
          .append('\n')
          .append("data: ")
          .append(new String(Json.write(EventViews.toJson(e)), StandardCharsets.UTF_8))
          .append("\n\n");
    }
    if (out.length() > 0) {
      ctx.writeAndFlush(chunk(out.toString()));
    }
  }

  private void stop() {
    if (done.isDone()) {
      return;
    }
    followers.decrementAndGet();
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    try {
      subscription.close();
    } catch (Exception ex) {
      log.debug("unsubscribing failed: {}", ex.toString());
    }
    done.complete(null);
  }

  private static DefaultHttpContent chunk(String text) {
    ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    return new DefaultHttpContent(buf);
  }
}
