package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.EventQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEventSinkTest {
  @TempDir Path dir;

  private static BootEvent event(String subject, int n) {
    return new BootEvent(
        Instant.ofEpochSecond(1_800_000_000L + n),
        "k" + n,
        Optional.of(subject),
        Optional.empty(),
        Optional.of("10.0.0." + n % 250),
        "ok",
        Map.of("n", Integer.toString(n), "quote\"key", "line\nbreak"));
  }

  @Test
  void appendsReadsAndRotatesWithinItsBound() throws Exception {
    FileEventSink sink = new FileEventSink(dir, 4096);
    for (int i = 0; i < 200; i++) {
      sink.append(List.of(event("h" + i % 3, i)));
    }
    Path events = dir.resolve("events");
    assertThat(Files.size(events.resolve("events.jsonl"))).isLessThan(4096);
    assertThat(Files.size(events.resolve("events.jsonl.1"))).isLessThan(4096 + 300);
    try (var files = Files.list(events)) {
      assertThat(files.count()).isEqualTo(2);
    }
    List<BootEvent> h1 = sink.read(EventQuery.host("h1", 3));
    assertThat(h1).extracting(BootEvent::kind).containsExactly("k193", "k196", "k199");
    assertThat(h1.get(2)).isEqualTo(event("h1", 199));
    assertThat(sink.read(EventQuery.all(2).since(Instant.ofEpochSecond(1_800_000_000L + 198))))
        .extracting(BootEvent::kind)
        .containsExactly("k199");
  }

  @Test
  void aLineTornByACrashIsSkippedAndTheStoreStampDoesNotMove() throws Exception {
    try (FileParameterStore store = FileParameterStore.open(dir, false)) {
      long stamp = store.changeStamp();
      store.events().orElseThrow().append(List.of(event("h", 1)));
      Thread.sleep(300);
      assertThat(store.changeStamp()).isEqualTo(stamp);
    }
    // The server died in the middle of a line.
    Files.writeString(
        dir.resolve("events/events.jsonl"),
        "{\"time\": \"2026-",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    try (FileParameterStore store = FileParameterStore.open(dir, false)) {
      FileEventSink sink = (FileEventSink) store.events().orElseThrow();
      sink.append(List.of(event("h", 2)));
      assertThat(sink.read(EventQuery.host("h", 10)))
          .extracting(BootEvent::kind)
          .containsExactly("k1", "k2");
    }
  }

  @Test
  void anotherServerRotatingTheFileIsNoticed() throws Exception {
    FileEventSink mine = new FileEventSink(dir, 1 << 20);
    FileEventSink theirs = new FileEventSink(dir, 1 << 20);
    mine.append(List.of(event("h", 1)));
    // The other server rotates (as at its bound) and starts a new file.
    Files.move(dir.resolve("events/events.jsonl"), dir.resolve("events/events.jsonl.1"));
    theirs.append(List.of(event("h", 2)));
    mine.append(List.of(event("h", 3)));
    assertThat(Files.readString(dir.resolve("events/events.jsonl"))).contains("\"k2\"", "\"k3\"");
    assertThat(mine.read(EventQuery.host("h", 10)))
        .extracting(BootEvent::kind)
        .containsExactly("k1", "k2", "k3");
    mine.close();
    theirs.close();
  }
}
