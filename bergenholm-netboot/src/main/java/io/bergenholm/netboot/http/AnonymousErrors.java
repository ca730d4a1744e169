package io.bergenholm.netboot.http;

import io.bergenholm.api.NotFoundException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an anonymous caller of the boot side learns of a failure: its status and a reference, never
 * the message, which may name store files, database hosts, image URLs with their credentials or the
 * cache folder. The full message goes to the server log under the same reference, so an operator
 * who sees the reference on a machine's console finds the reason. "Not found" keeps its message: it
 * names only the host, group or template asked for.
 */
public final class AnonymousErrors {
  private static final Logger log = LoggerFactory.getLogger(AnonymousErrors.class);
  private static final SecureRandom random = new SecureRandom();

  private AnonymousErrors() {}

  /**
   * {@code work}, with its failures answered as {@link ErrorReplies} does but without their
   * message.
   */
  static Supplier<CompletableFuture<Outcome>> wrap(
      Supplier<CompletableFuture<Outcome>> work, String method, String path) {
    return () ->
        work.get()
            .handle(
                (o, e) -> {
                  if (e == null) {
                    return o;
                  }
                  Throwable cause =
                      e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                  Reply full = ErrorReplies.of(cause, method, path);
                  if (cause instanceof NotFoundException || cause instanceof Forbidden) {
                    return full;
                  }
                  Reply redacted =
                      Reply.error(
                          full.status(),
                          reason(full.status(), cause.getMessage(), method + " " + path));
                  for (var h : full.headers().entrySet()) {
                    redacted = redacted.withHeader(h.getKey(), h.getValue());
                  }
                  return redacted;
                });
  }

  /**
   * The reason to show an anonymous caller for a failure with {@code message}; logs the message
   * with a reference and returns a text that names only the kind of failure and the reference.
   */
  public static String reason(HttpResponseStatus status, String message, String what) {
    String ref = reference();
    log.warn("{}: answered {} (ref {}): {}", what, status.code(), ref, message);
    String kind =
        switch (status.code()) {
          case 400 -> "the request, or the stored data it needs, is not valid";
          case 502 -> "an upstream server failed";
          case 503 -> "the server cannot answer now; retry shortly";
          default -> "the server failed";
        };
    return kind + " (reference " + ref + "; the reason is in the server log)";
  }

  private static String reference() {
    byte[] b = new byte[6];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
