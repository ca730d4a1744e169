package io.bergenholm.engine.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.event.EventQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BootEventsTest {
  /** A sink that blocks its writer until released: the stand-in for a store that hangs. */
  private static final class StuckSink implements BootEventSink {
    final CountDownLatch release = new CountDownLatch(1);
    final List<BootEvent> kept = new ArrayList<>();

    @Override
    public void append(List<BootEvent> events) {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (kept) {
        kept.addAll(events);
      }
    }

    @Override
    public List<BootEvent> read(EventQuery query) {
      synchronized (kept) {
        return List.copyOf(kept);
      }
    }
  }

  @Test
  void aFullQueueDropsAndCountsWhileTheSinkHangs() throws Exception {
    StuckSink sink = new StuckSink();
    try (BootEvents events = new BootEvents(sink, 10, 1_000_000)) {
      for (int i = 0; i < 1000; i++) {
        events.record("script.served", "h", "ok", Map.of("i", Integer.toString(i)));
      }
      // The writer holds at most one batch; the queue holds 10; the rest was dropped and counted.
      assertThat(events.dropped()).isGreaterThanOrEqualTo(1000 - 10 - 256);
      sink.release.countDown();
      assertThat(events.flush(10_000)).isTrue();
      assertThat(events.written() + events.dropped()).isEqualTo(1000);
      assertThat(sink.read(EventQuery.all(1))).hasSize((int) events.written());
    }
  }

  @Test
  void aSubjectPastItsRateIsCountedNotStoredWhileListenersSeeEverything() throws Exception {
    MemoryEventSink sink = new MemoryEventSink(10_000, 10_000);
    try (BootEvents events = new BootEvents(sink, 10_000, 50)) {
      int[] seen = {0};
      events.subscribe(e -> seen[0]++);
      for (int i = 0; i < 500; i++) {
        events.record("script.served", "looping", "ok", Map.of());
      }
      events.record("script.served", "quiet", "ok", Map.of());
      assertThat(events.flush(10_000)).isTrue();
      assertThat(seen[0]).isEqualTo(501);
      // At most two one-second windows were touched: 50 each.
      int stored = events.read(EventQuery.host("looping", 10_000)).size();
      assertThat(stored).isBetween(50, 100);
      assertThat(events.suppressed()).isEqualTo(500 - stored);
      assertThat(events.read(EventQuery.host("quiet", 10))).hasSize(1);
    }
  }

  @Test
  void aFailingSinkIsCountedAndTheRecorderGoesOn() throws Exception {
    BootEventSink failing =
        new BootEventSink() {
          @Override
          public void append(List<BootEvent> events) {
            throw new UnavailableException("database down");
          }

          @Override
          public List<BootEvent> read(EventQuery query) {
            return List.of();
          }
        };
    try (BootEvents events = new BootEvents(failing, 100)) {
      events.record("script.served", "h", "ok", Map.of());
      assertThat(events.flush(10_000)).isTrue();
      assertThat(events.dropped()).isEqualTo(1);
      assertThat(events.written()).isZero();
    }
  }

  @Test
  void listenersSeeEveryEventAndStopWhenClosed() throws Exception {
    MemoryEventSink sink = new MemoryEventSink(10, 10);
    try (BootEvents events = new BootEvents(sink, 100)) {
      List<String> seen = new ArrayList<>();
      AutoCloseable sub = events.subscribe(e -> seen.add(e.kind()));
      events.record("a", "h", "ok", Map.of());
      sub.close();
      events.record("b", "h", "ok", Map.of());
      assertThat(seen).containsExactly("a");
      assertThat(events.flush(10_000)).isTrue();
      assertThat(events.read(EventQuery.host("h", 10)))
          .extracting(BootEvent::kind)
          .containsExactly("a", "b");
    }
  }
}
