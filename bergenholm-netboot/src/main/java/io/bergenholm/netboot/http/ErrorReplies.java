package io.bergenholm.netboot.http;

import static io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY;
import static io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST;
import static io.netty.handler.codec.http.HttpResponseStatus.FORBIDDEN;
import static io.netty.handler.codec.http.HttpResponseStatus.INTERNAL_SERVER_ERROR;
import static io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND;
import static io.netty.handler.codec.http.HttpResponseStatus.PRECONDITION_FAILED;
import static io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.UpstreamException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from failures to HTTP answers (see {@link
 * io.bergenholm.api.BergenholmException}).
 */
final class ErrorReplies {
  private static final Logger log = LoggerFactory.getLogger(ErrorReplies.class);

  private ErrorReplies() {}

  static Reply of(Throwable failure, String method, String path) {
    Throwable e =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    // AlreadyExists is 400, not 409: the Python project answered so and scripts test for it.
    if (e instanceof AlreadyExistsException || e instanceof BadInputException) {
      return Reply.error(BAD_REQUEST, e.getMessage());
    }
    if (e instanceof NotFoundException) {
      return Reply.error(NOT_FOUND, e.getMessage());
    }
    if (e instanceof StaleVersionException) {
      return Reply.error(PRECONDITION_FAILED, e.getMessage());
    }
    if (e instanceof Forbidden) {
      return Reply.error(FORBIDDEN, e.getMessage());
    }
    if (e instanceof UnavailableException) {
      log.warn("{} {}: {}", method, path, e.getMessage());
      return Reply.error(SERVICE_UNAVAILABLE, e.getMessage());
    }
    if (e instanceof RejectedExecutionException) {
      log.warn("{} {}: all workers busy and the queue is full", method, path);
      return Reply.error(SERVICE_UNAVAILABLE, "the server is busy; retry shortly")
          .withHeader("Retry-After", "1");
    }
    if (e instanceof UpstreamException) {
      log.warn("{} {}: {}", method, path, e.getMessage());
      return Reply.error(BAD_GATEWAY, e.getMessage());
    }
    log.error("{} {} failed", method, path, e);
    return Reply.error(
        INTERNAL_SERVER_ERROR,
        "internal error: " + e.getClass().getSimpleName() + "; see the server log");
  }
}
