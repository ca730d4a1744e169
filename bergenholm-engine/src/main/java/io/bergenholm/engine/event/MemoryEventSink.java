package io.bergenholm.engine.event;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.event.EventQuery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Boot events in memory, bounded per subject and overall: the oldest go first. Thread-safe (one
 * lock; appends come from one writer, reads from the management side).
 *
 * <p>Each event sits in the overall queue and in its subject's queue. When a subject passes its
 * bound, its oldest event leaves its queue and its entry lets go of the event (the entry stays, a
 * few bytes, so that one busy subject does not keep a full overall bound of events alive); the
 * overall queue drops emptied and full entries alike when it passes the overall bound, so neither
 * queue ever holds more than its bound.
 */
public final class MemoryEventSink implements BootEventSink {
  private static final class Entry {
    /** Null once the event has left its subject's queue. */
    BootEvent event;

    Entry(BootEvent event) {
      this.event = event;
    }
  }

  private final int maxPerSubject;
  private final int maxTotal;
  private final ArrayDeque<Entry> all = new ArrayDeque<>();
  private final Map<String, ArrayDeque<Entry>> bySubject = new HashMap<>();

  public MemoryEventSink(int maxPerSubject, int maxTotal) {
    if (maxPerSubject < 1 || maxTotal < 1) {
      throw new IllegalArgumentException("event bounds must be at least 1");
    }
    this.maxPerSubject = maxPerSubject;
    this.maxTotal = maxTotal;
  }

  @Override
  public synchronized void append(List<BootEvent> events) {
    for (BootEvent e : events) {
      Entry entry = new Entry(e);
      ArrayDeque<Entry> own = bySubject.computeIfAbsent(e.subject(), s -> new ArrayDeque<>());
      own.addLast(entry);
      if (own.size() > maxPerSubject) {
        own.removeFirst().event = null;
      }
      all.addLast(entry);
      if (all.size() > maxTotal) {
        Entry oldest = all.removeFirst();
        if (oldest.event != null) {
          // The oldest overall is also the oldest of its subject.
          ArrayDeque<Entry> q = bySubject.get(oldest.event.subject());
          q.removeFirst();
          if (q.isEmpty()) {
            bySubject.remove(oldest.event.subject());
          }
        }
      }
    }
  }

  @Override
  public synchronized List<BootEvent> read(EventQuery query) {
    ArrayDeque<Entry> source =
        query.subject().isPresent()
            ? bySubject.getOrDefault(query.subject().get(), new ArrayDeque<>())
            : all;
    List<BootEvent> newestFirst = new ArrayList<>();
    Iterator<Entry> it = source.descendingIterator();
    while (it.hasNext() && newestFirst.size() < query.limit()) {
      BootEvent event = it.next().event;
      if (event != null && query.matches(event)) {
        newestFirst.add(event);
      }
    }
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  /** Event objects the overall queue still refers to: never more than {@link #size()}. */
  synchronized int retained() {
    int n = 0;
    for (Entry e : all) {
      if (e.event != null) {
        n++;
      }
    }
    return n;
  }

  /** Events kept now (for tests and the cache-size gauge). */
  public synchronized int size() {
    int n = 0;
    for (ArrayDeque<Entry> q : bySubject.values()) {
      n += q.size();
    }
    return n;
  }
}
