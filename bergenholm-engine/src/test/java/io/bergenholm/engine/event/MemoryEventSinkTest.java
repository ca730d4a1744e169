package io.bergenholm.engine.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.EventQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemoryEventSinkTest {
  private static BootEvent event(String subject, int n) {
    return new BootEvent(
        Instant.ofEpochSecond(1_000_000 + n),
        "k" + n,
        Optional.of(subject),
        Optional.empty(),
        Optional.empty(),
        "ok",
        Map.of("n", Integer.toString(n)));
  }

  /**
   * Against a model: the sink keeps, for each subject, the newest events that are both among its
   * subject's newest {@code perSubject} and among the newest {@code total} appended overall.
   */
  @Test
  void keepsTheNewestPerSubjectAndOverallAgainstAModel() {
    for (long seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed);
      int perSubject = 1 + random.nextInt(6);
      int total = 1 + random.nextInt(30);
      MemoryEventSink sink = new MemoryEventSink(perSubject, total);
      List<BootEvent> appended = new ArrayList<>();
      int count = random.nextInt(200);
      for (int i = 0; i < count; i++) {
        BootEvent e = event("h" + random.nextInt(5), i);
        appended.add(e);
        sink.append(List.of(e));
      }
      // Model: walk from the newest; the newest `total` overall, of which each subject's newest
      // `perSubject`.
      Map<String, List<BootEvent>> expected = new LinkedHashMap<>();
      for (int i = appended.size() - 1, seen = 0; i >= 0 && seen < total; i--, seen++) {
        BootEvent e = appended.get(i);
        // An event evicted by its own subject's bound also uses up a place overall.
        long newerOfSubject =
            appended.subList(i + 1, appended.size()).stream()
                .filter(x -> x.subject().equals(e.subject()))
                .count();
        if (newerOfSubject < perSubject) {
          expected.computeIfAbsent(e.subject(), s -> new ArrayList<>()).add(0, e);
        }
      }
      int kept = 0;
      for (int h = 0; h < 5; h++) {
        List<BootEvent> got = sink.read(EventQuery.host("h" + h, 1000));
        assertThat(got)
            .as("seed %d subject h%d", seed, h)
            .isEqualTo(expected.getOrDefault("h" + h, List.of()));
        kept += got.size();
      }
      assertThat(sink.size()).as("seed %d", seed).isEqualTo(kept).isLessThanOrEqualTo(total);
      List<BootEvent> all = sink.read(EventQuery.all(1000));
      assertThat(all).hasSize(kept);
      assertThat(all).isSortedAccordingTo((a, b) -> a.time().compareTo(b.time()));
    }
  }

  @Test
  void aBusySubjectKeepsOnlyItsOwnBoundOfEventsAlive() {
    // One host streaming images over and over must not keep the overall bound of full events.
    MemoryEventSink sink = new MemoryEventSink(10, 50_000);
    for (int i = 0; i < 20_000; i++) {
      sink.append(List.of(event("busy", i)));
    }
    sink.append(List.of(event("quiet", 0)));
    assertThat(sink.size()).isEqualTo(11);
    assertThat(sink.retained()).isEqualTo(11);
    List<BootEvent> all = sink.read(EventQuery.all(100));
    assertThat(all).hasSize(11);
    assertThat(all.get(0)).isEqualTo(event("busy", 19_990));
    assertThat(all.get(10).subject()).isEqualTo("quiet");
  }

  @Test
  void sinceAndLimitSelectTheNewest() {
    MemoryEventSink sink = new MemoryEventSink(100, 100);
    for (int i = 0; i < 10; i++) {
      sink.append(List.of(event("a", i)));
    }
    assertThat(sink.read(EventQuery.host("a", 3)))
        .extracting(BootEvent::kind)
        .containsExactly("k7", "k8", "k9");
    assertThat(sink.read(EventQuery.host("a", 100).since(Instant.ofEpochSecond(1_000_005))))
        .extracting(BootEvent::kind)
        .containsExactly("k6", "k7", "k8", "k9");
    assertThat(sink.read(EventQuery.host("nobody", 10))).isEmpty();
  }

  @Test
  void attacksOnSizeAreCut() {
    BootEvent e = BootEvent.ofClient("dhcp.offer", "m".repeat(10_000), null, "ok", bigMap());
    assertThat(e.mac().orElseThrow()).hasSize(BootEvent.MAX_TEXT);
    assertThat(e.attributes()).hasSize(BootEvent.MAX_ATTRIBUTES);
    assertThat(e.attributes().values())
        .allSatisfy(v -> assertThat(v.length()).isLessThanOrEqualTo(BootEvent.MAX_TEXT));
    assertThat(e.subject()).isEqualTo(e.mac().orElseThrow());
  }

  private static Map<String, String> bigMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      m.put("k" + i, "v".repeat(1000));
    }
    return m;
  }
}
