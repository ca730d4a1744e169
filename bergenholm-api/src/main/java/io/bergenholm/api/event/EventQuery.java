package io.bergenholm.api.event;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which events to read.
 *
 * @param subject only events whose {@link BootEvent#subject()} is this (a host id, a MAC or an IP)
 * @param since only events strictly after this time
 * @param limit at most this many, the newest ones (at least 1)
 */
public record EventQuery(Optional<String> subject, Optional<Instant> since, int limit) {
  /**
   * Checks the arguments.
   *
   * @param subject only this subject's events
   * @param since only events strictly after this time
   * @param limit at most this many (at least 1)
   */
  public EventQuery {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(since, "since");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, found " + limit);
    }
  }

  /**
   * Every subject's events.
   *
   * @param limit at most this many, the newest
   * @return the query
   */
  public static EventQuery all(int limit) {
    return new EventQuery(Optional.empty(), Optional.empty(), limit);
  }

  /**
   * One subject's events.
   *
   * @param subject a host id, MAC or IP
   * @param limit at most this many, the newest
   * @return the query
   */
  public static EventQuery host(String subject, int limit) {
    return new EventQuery(Optional.of(subject), Optional.empty(), limit);
  }

  /**
   * This query, narrowed to events after a time.
   *
   * @param time only events strictly after this
   * @return the narrowed query
   */
  public EventQuery since(Instant time) {
    return new EventQuery(subject, Optional.of(time), limit);
  }

  /**
   * Whether an event passes the subject and time filters (not the limit).
   *
   * @param e the event
   * @return true if it passes
   */
  public boolean matches(BootEvent e) {
    return subject.map(s -> s.equals(e.subject())).orElse(true)
        && since.map(t -> e.time().isAfter(t)).orElse(true);
  }
}
