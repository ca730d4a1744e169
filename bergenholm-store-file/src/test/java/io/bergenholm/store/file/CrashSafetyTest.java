package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.Versioned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer that dies at any moment leaves every record whole, and its temporary files are cleaned
 * up.
 */
final class CrashSafetyTest {
  @TempDir Path root;

  @Test
  void leftoverTemporaryFilesAreHiddenAndRemovedAtTheNextOpen() throws IOException {
    try (FileParameterStore store = FileParameterStore.open(root)) {
      store.hosts().create("web1", Params.of(Map.of("a", 1L)));
      store.templates().create("t", "text");
    }
    Path half =
        Files.writeString(
            root.resolve("hosts").resolve(FileRecordStore.TEMP_PREFIX + "1a2b"), "{\"a\": ");
    Path empty =
        Files.createFile(root.resolve("templates").resolve(FileRecordStore.TEMP_PREFIX + "3c4d"));

    try (FileParameterStore readOnly = FileParameterStore.openReadOnly(root)) {
      assertThat(readOnly.hosts().list()).containsExactly("web1");
      assertThat(readOnly.templates().list()).containsExactly("t");
      assertThat(half).as("a read-only open removes nothing").exists();
    }
    try (FileParameterStore store = FileParameterStore.open(root)) {
      assertThat(half).doesNotExist();
      assertThat(empty).doesNotExist();
      assertThat(store.hosts().get("web1").orElseThrow().value().get("a")).contains(1L);
      assertThat(store.templates().get("t").orElseThrow().value()).isEqualTo("text");
    }
  }

  @Test
  @Timeout(
      value = 120,
      threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked pipe read ignores interrupts
  void killingAWriterMidWriteNeverLeavesABrokenOrEmptyRecord() throws Exception {
    int records = 5;
    // A kill lands in mid-write (leaving a temporary file) about two times in three here; keep
    // killing until that has happened, so that recovery from a torn write is really exercised.
    int tornWrites = 0;
    int round = 0;
    for (; round < 10 && (round < 2 || tornWrites == 0); round++) {
      Process writer =
          StoreWriterProcess.start("rewrite", root.toString(), Integer.toString(records));
      try {
        // Let it write for a while, then kill it without warning.
        try (FileParameterStore store = FileParameterStore.open(root)) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (store.hosts().list().size() < records && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
        }
        Thread.sleep(150 + round * 70L);
      } finally {
        writer.destroyForcibly();
        assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      if (!temporaryFiles().isEmpty()) {
        tornWrites++;
      }
      try (FileParameterStore store = FileParameterStore.open(root)) {
        assertThat(store.hosts().list()).hasSize(records);
        for (String name : store.hosts().list()) {
          Versioned<Params> v = store.hosts().get(name).orElseThrow();
          assertThat(v.value().get("n")).as(name).isPresent();
        }
        assertThat(temporaryFiles()).as("temporary files after reopening").isEmpty();
      }
    }
    assertThat(tornWrites).as("kills in mid-write in %d rounds", round).isPositive();
  }

  private List<Path> temporaryFiles() throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(p -> p.getFileName().toString().startsWith(FileRecordStore.TEMP_PREFIX))
          .toList();
    }
  }
}
