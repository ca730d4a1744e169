package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Conditional writes are safe between processes that share one store folder. */
final class CrossProcessTest {
  @TempDir Path root;

  @Test
  @Timeout(
      value = 180,
      threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked pipe read ignores interrupts
  void noUpdateIsLostBetweenProcesses() throws Exception {
    int perWriter = 40;
    try (FileParameterStore store = FileParameterStore.open(root)) {
      store.hosts().create("counter", Params.of(Map.of("counter", 0L)));
      List<Process> others = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          others.add(
              StoreWriterProcess.start(
                  "increment", root.toString(), "counter", Integer.toString(perWriter)));
        }
        for (Process p : others) {
          StoreWriterProcess.go(p);
        }
        for (int i = 0; i < perWriter; i++) {
          store
              .hosts()
              .update("counter", p -> p.with("counter", (Long) p.get("counter").orElseThrow() + 1));
        }
        for (Process p : others) {
          assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("writer process finished").isTrue();
          assertThat(p.exitValue()).as("writer process exit code").isZero();
        }
      } finally {
        others.forEach(Process::destroyForcibly);
      }
      assertThat(store.hosts().get("counter").orElseThrow().value().get("counter"))
          .contains(3L * perWriter);
    }
  }

  @Test
  void twoInstancesOnOneFolderSeeEachOthersVersions() {
    try (FileParameterStore a = FileParameterStore.open(root);
        FileParameterStore b = FileParameterStore.open(root)) {
      Versioned<Params> v1 = a.groups().create("g", Params.of(Map.of("x", 1L)));
      assertThat(b.groups().get("g")).contains(v1);
      Versioned<Params> v2 =
          b.groups().replace("g", Params.of(Map.of("x", 2L)), Optional.of(v1.version()));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> a.groups().replace("g", Params.of(Map.of("x", 3L)), Optional.of(v1.version())))
          .isInstanceOf(StaleVersionException.class);
      assertThat(a.groups().get("g")).contains(v2);
    }
  }
}
