package io.bergenholm.engine.event;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.event.EventQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records boot events without ever slowing a boot: {@link #record} hands the event to the listeners
 * (metrics, live streams; each must return at once) and to a bounded queue that one background
 * thread drains in batches into the {@link BootEventSink}. A full queue, or a sink that fails,
 * drops events and counts them ({@link #dropped()}).
 *
 * <p>Per subject, at most {@code perSubjectPerSecond} events a second go to the sink; beyond that
 * (a machine in a boot loop, a client hammering one URL) they reach the listeners, so metrics and
 * live streams stay exact, and are counted ({@link #suppressed()}) rather than stored. The rate is
 * kept in a fixed table of slots chosen by the subject's hash, so attacker-chosen subjects cannot
 * grow it; two subjects sharing a slot share its rate.
 *
 * <p>Safe to call from any thread, event loops included.
 */
public final class BootEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BootEvents.class);
  private static final int BATCH = 256;

  private final BootEventSink sink;
  private final BlockingQueue<BootEvent> queue;
  private final List<Consumer<BootEvent>> listeners = new CopyOnWriteArrayList<>();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder suppressed = new LongAdder();
  private static final int SLOTS = 4096;

  /** Per slot: the second (high bits) and the events stored in it (low 20 bits). */
  private final AtomicLongArray rate = new AtomicLongArray(SLOTS);

  private final int perSubjectPerSecond;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong handled = new AtomicLong();
  private final Thread writer;
  private volatile boolean closed;
  private long lastFailureLog;

  /**
   * @param sink where events are kept; this recorder does not close it
   * @param queueCapacity events waiting for the writer before new ones are dropped
   */
  public BootEvents(BootEventSink sink, int queueCapacity) {
    this(sink, queueCapacity, 100);
  }

  /**
   * @param perSubjectPerSecond events of one subject stored per second at most (1 to 1000000)
   */
  public BootEvents(BootEventSink sink, int queueCapacity, int perSubjectPerSecond) {
    if (perSubjectPerSecond < 1 || perSubjectPerSecond >= 1 << 20) {
      throw new IllegalArgumentException(
          "events per subject and second must be 1 to " + ((1 << 20) - 1));
    }
    this.perSubjectPerSecond = perSubjectPerSecond;
    this.sink = Objects.requireNonNull(sink, "sink");
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::drain, "bergenholm-events");
    writer.setDaemon(true);
    writer.start();
  }

  /** Records an event; never blocks and never throws for a full queue. */
  public void record(BootEvent event) {
    for (Consumer<BootEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.warn("event listener failed on {}: {}", event.kind(), e.toString());
      }
    }
    if (!withinRate(event.subject())) {
      suppressed.increment();
      return;
    }
    if (closed || !queue.offer(event)) {
      dropped.increment();
    } else {
      accepted.incrementAndGet();
    }
  }

  private boolean withinRate(String subject) {
    int slot = (subject.hashCode() * 0x9E3779B9) >>> 20 & (SLOTS - 1);
    long second = System.nanoTime() / 1_000_000_000L;
    while (true) {
      long v = rate.get(slot);
      long next;
      if (v >>> 20 != second) {
        next = second << 20 | 1;
      } else if ((v & 0xFFFFF) < perSubjectPerSecond) {
        next = v + 1;
      } else {
        return false;
      }
      if (rate.compareAndSet(slot, v, next)) {
        return true;
      }
    }
  }

  /** Events not stored because their subject passed its rate (listeners still saw them). */
  public long suppressed() {
    return suppressed.sum();
  }

  /** Records an event about a known host id, now. */
  public void record(String kind, String host, String outcome, Map<String, String> attributes) {
    record(BootEvent.of(kind, host, outcome, attributes));
  }

  /**
   * Calls {@code listener} with every event recorded from now on, on the recording thread (which
   * may be an event loop): it must return at once. Closing the handle stops the calls.
   */
  public AutoCloseable subscribe(Consumer<BootEvent> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return () -> listeners.remove(listener);
  }

  /**
   * The newest events the query selects from the sink, oldest first (events still queued are not
   * seen).
   */
  public List<BootEvent> read(EventQuery query) {
    return sink.read(query);
  }

  /** Events dropped because the queue was full or the sink failed. */
  public long dropped() {
    return dropped.sum();
  }

  /** Events handed to the sink. */
  public long written() {
    return written.get();
  }

  /**
   * Waits (at most {@code millis}) until every event recorded before this call has left the queue.
   */
  public boolean flush(long millis) throws InterruptedException {
    long target = accepted.get();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (handled.get() < target) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void drain() {
    List<BootEvent> batch = new ArrayList<>(BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        BootEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        if (closed) {
          queue.drainTo(batch);
          write(batch);
          return;
        }
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<BootEvent> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      sink.append(List.copyOf(batch));
      written.addAndGet(batch.size());
    } catch (RuntimeException e) {
      dropped.add(batch.size());
      long now = System.nanoTime();
      if (now - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
        lastFailureLog = now;
        log.warn(
            "cannot write {} boot events to {}: {}",
            batch.size(),
            sink.getClass().getSimpleName(),
            e.getMessage());
      }
    } finally {
      handled.addAndGet(batch.size());
    }
  }

  /** Writes what is queued (waiting at most two seconds) and stops the writer. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      writer.interrupt();
    }
  }
}
