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
  public EventQuery {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(since, "since");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, found " + limit);
    }
  }

  public static EventQuery all(int limit) {
    return new EventQuery(Optional.empty(), Optional.empty(), limit);
  }

  public static EventQuery host(String subject, int limit) {
    return new EventQuery(Optional.of(subject), Optional.empty(), limit);
  }

  public EventQuery since(Instant time) {
    return new EventQuery(subject, Optional.of(time), limit);
  }

  /** Whether an event passes the subject and time filters (not the limit). */
  public boolean matches(BootEvent e) {
    return subject.map(s -> s.equals(e.subject())).orElse(true)
        && since.map(t -> e.time().isAfter(t)).orElse(true);
  }
}
