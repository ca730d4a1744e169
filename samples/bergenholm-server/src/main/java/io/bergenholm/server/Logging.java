package io.bergenholm.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The runner's log output, set from {@code --log-level}, {@code --log-format} and {@code
 * --boot-access-log}: every line to stderr with a UTC timestamp and its level, as text or as one
 * JSON object a line for log shippers. The library modules log through the SLF4J API only; this
 * class is the one place that knows the backend (logback).
 */
final class Logging {
  /** One line per boot-side request (iPXE scripts, images, kickstarts) when at INFO. */
  static final String BOOT_ACCESS = "io.bergenholm.access.boot";

  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} %-5level [%thread] %logger{36} - %msg%n%ex";
  static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

  private Logging() {}

  /**
   * @param level the level of everything else ({@code info} by default)
   * @param format {@code text} or {@code json}
   * @param bootAccess {@code info} logs every boot-side request; {@code off} (default) none
   * @throws IllegalArgumentException naming the flag of a bad value
   */
  static void configure(String level, String format, String bootAccess) {
    Level root = level("--log-level", level);
    Level boot = level("--boot-access-log", bootAccess);
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Encoder<ILoggingEvent> encoder =
        switch (format.toLowerCase(Locale.ROOT)) {
          case "text" -> {
            PatternLayoutEncoder e = new PatternLayoutEncoder();
            e.setPattern(PATTERN);
            yield e;
          }
          case "json" -> {
            // One self-contained line per event: the message as formatted, not its pattern and
            // arguments.
            JsonEncoder e = new JsonEncoder();
            e.setWithFormattedMessage(true);
            e.setWithMessage(false);
            e.setWithArguments(false);
            e.setWithContext(false);
            e.setWithSequenceNumber(false);
            yield e;
          }
          default ->
              throw new IllegalArgumentException(
                  "--log-format must be text or json, found '" + format + "'");
        };
    ctx.reset();
    encoder.setContext(ctx);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(ctx);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger rootLogger = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLogger.setLevel(root);
    rootLogger.addAppender(stderr);
    // Third-party chatter stays at warnings unless debugging is asked for.
    for (String noisy : List.of("io.netty", "org.mongodb", "com.hubspot")) {
      ctx.getLogger(noisy).setLevel(root.isGreaterOrEqual(Level.INFO) ? Level.WARN : root);
    }
    ctx.getLogger(BOOT_ACCESS).setLevel(boot);
  }

  private static Level level(String flag, String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(v)) {
      throw new IllegalArgumentException(
          flag + " must be one of " + LEVELS + ", found '" + value + "'");
    }
    return Level.toLevel(v);
  }
}
