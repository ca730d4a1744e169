package io.bergenholm.netboot.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the access log, the audit log and the request metrics need to know of one request, filled in
 * as the request is routed and finished when its response is written (on the event loop).
 *
 * <p>Loggers: {@value #ACCESS} has one line per management request at INFO; {@value #BOOT_ACCESS}
 * one line per boot-side request at INFO (set its level to turn those on or off); {@value #AUDIT}
 * one line per write, naming the token's label.
 */
final class RequestLog {
  static final String ACCESS = "io.bergenholm.access";
  static final String BOOT_ACCESS = "io.bergenholm.access.boot";
  static final String AUDIT = "io.bergenholm.audit";

  /** The request header, set by the server only, that tells a route the caller's token label. */
  static final String CALLER_HEADER = "X-Bergenholm-Caller";

  private static final Logger access = LoggerFactory.getLogger(ACCESS);
  private static final Logger bootAccess = LoggerFactory.getLogger(BOOT_ACCESS);
  private static final Logger audit = LoggerFactory.getLogger(AUDIT);

  private final long started = System.nanoTime();
  private final Object peer;
  private final String method;
  private final String path;
  String route = "unmatched";
  Guard guard = Guard.BOOT;
  String caller = "-";

  RequestLog(Object peer, String method, String path) {
    this.peer = peer;
    this.method = method;
    this.path = path;
  }

  /** The caller's token label as the routes see it. */
  static String caller(Call call) {
    String c = call.headers().get(CALLER_HEADER);
    return c == null ? "-" : c;
  }

  void finish(ServerMetrics metrics, int status) {
    long nanos = System.nanoTime() - started;
    metrics.request(route, method, status, nanos);
    long micros = nanos / 1000;
    if (guard.management()) {
      if (access.isInfoEnabled()) {
        access.info("{} {} {} {} {} {}us", peer, caller, method, path, status, micros);
      }
    } else if (bootAccess.isInfoEnabled()) {
      bootAccess.info("{} {} {} {} {}us", peer, method, path, status, micros);
    }
    if (guard == Guard.WRITE
        || (guard.management() && !method.equals("GET") && !method.equals("HEAD"))) {
      audit.info("{} by '{}' from {}: {} {} -> {}", method, caller, peer, route, path, status);
    }
  }
}
