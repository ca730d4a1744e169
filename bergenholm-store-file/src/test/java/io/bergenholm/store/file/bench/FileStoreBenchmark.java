package io.bergenholm.store.file.bench;

import io.bergenholm.api.Params;
import io.bergenholm.api.Versioned;
import io.bergenholm.store.file.FileParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The directory store at the size the engine benchmark uses: 10k hosts, 1k groups of about 40
 * parameters. Reads go to the files each time (no cache), so these are the costs a cold resolution
 * pays per record; writes include both fsyncs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FileStoreBenchmark {
  private static final int HOSTS = 10_000;
  private static final int GROUPS = 1_000;

  private Path dir;
  private FileParameterStore store;
  private final Random random = new Random(1);
  private long counter;

  @Setup(Level.Trial)
  public void fill() throws IOException {
    dir = Files.createTempDirectory("bergenholm-file-bench");
    store = FileParameterStore.open(dir);
    Random r = new Random(42);
    for (int g = 0; g < GROUPS; g++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("groups", g == 0 ? List.of() : List.of("group-" + r.nextInt(g)));
      for (int k = 0; k < 40; k++) {
        p.put("param_" + k, "{{ param_" + ((k + 1) % 40) + " }}/value-" + g + "-" + k);
      }
      store.groups().create("group-" + g, Params.of(p));
    }
    for (int h = 0; h < HOSTS; h++) {
      store
          .hosts()
          .create(
              String.format("564d%04x-0000-0000-0000-%012x", h, h),
              Params.of(
                  Map.of(
                      "groups",
                      List.of("group-" + r.nextInt(GROUPS)),
                      "hostname",
                      "host-" + h,
                      "ipaddr",
                      "10.0." + (h / 250) + "." + (h % 250))));
    }
  }

  @TearDown(Level.Trial)
  public void clean() throws IOException {
    store.close();
    try (Stream<Path> all = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
      for (Path p : paths) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public Optional<Versioned<Params>> getGroup() {
    return store.groups().get("group-" + random.nextInt(GROUPS));
  }

  @Benchmark
  public Optional<Versioned<Params>> getHost() {
    int h = random.nextInt(HOSTS);
    return store.hosts().get(String.format("564d%04x-0000-0000-0000-%012x", h, h));
  }

  @Benchmark
  public Optional<Versioned<Params>> getMissingHost() {
    return store.hosts().get("unknown-" + random.nextInt());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<String> listHosts() {
    return store.hosts().list();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<String> queryHostsByGroup() {
    return store.queryHosts(Map.of("groups", "group-7"));
  }

  @Benchmark
  public Versioned<Params> replaceHostWithVersion() {
    String id = "564d0001-0000-0000-0000-000000000001";
    Versioned<Params> current = store.hosts().get(id).orElseThrow();
    return store
        .hosts()
        .replace(id, current.value().with("counter", counter++), Optional.of(current.version()));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public long changeStamp() {
    return store.changeStamp();
  }
}
