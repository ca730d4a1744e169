package io.bergenholm.api.event;

import io.bergenholm.api.UnavailableException;
import java.util.List;

/**
 * Where boot events are kept, so that every replica sharing one store sees one timeline. A store
 * offers one through {@link io.bergenholm.api.store.ParameterStore#events()}; an embedder can hand
 * its own to the engine's builder.
 *
 * <p>A sink is bounded: it keeps the newest events, at most some number per subject and overall,
 * and drops the oldest. It is called from one background writer, never from a boot: {@link #append}
 * may block on I/O. Error contract: a backing system that cannot be reached is an {@link
 * UnavailableException}; the writer counts the batch as dropped and goes on.
 */
public interface BootEventSink extends AutoCloseable {
  /**
   * Keeps these events, dropping the oldest beyond the sink's bounds.
   *
   * @param events new events, in time order
   */
  void append(List<BootEvent> events);

  /**
   * Reads events back.
   *
   * @param query which events
   * @return the newest events the query selects, oldest first
   */
  List<BootEvent> read(EventQuery query);

  @Override
  default void close() {}
}
