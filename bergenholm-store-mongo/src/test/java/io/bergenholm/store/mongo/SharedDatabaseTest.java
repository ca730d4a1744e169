package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two stores on one database, as two Bergenholm servers behind a load balancer would have. */
class SharedDatabaseTest {
  private static final AtomicInteger DBS = new AtomicInteger();
  private TestMongo mongo;
  private MongoParameterStore a;
  private MongoParameterStore b;

  @BeforeEach
  void open() {
    mongo = TestMongo.inMemory();
    String db = "shared" + DBS.incrementAndGet();
    a = mongo.open(db);
    b = mongo.open(db);
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
    mongo.close();
  }

  @Test
  void whatOneWritesTheOtherReads() {
    a.groups().create("default", Params.of(Map.of("ipxe_script", "localboot.ipxe")));
    a.templates().create("localboot.ipxe", "#!ipxe\nsanboot --drive 0x80\n");
    a.hosts().create("h1", Params.of(Map.of("groups", List.of("default"))));
    assertThat(b.groups().get("default")).isEqualTo(a.groups().get("default"));
    assertThat(b.templates().get("localboot.ipxe").orElseThrow().value())
        .isEqualTo("#!ipxe\nsanboot --drive 0x80\n");
    assertThat(b.queryHosts(Map.of("groups", "default"))).containsExactly("h1");

    b.hosts().update("h1", p -> p.with("hostname", "web1"));
    assertThat(a.hosts().get("h1").orElseThrow().value().string("hostname")).contains("web1");
    b.hosts().delete("h1", Optional.empty());
    assertThat(a.hosts().list()).isEmpty();
  }

  /** Many machines booting at once through both servers: each unknown one is created once. */
  @Test
  @Timeout(60)
  void concurrentRegistrationsThroughBothCreateEachHostExactlyOnce() throws Exception {
    int machines = 40;
    int threads = 8;
    Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
    long seed = new Random().nextLong();
    List<Integer> outcomes =
        runTogether(
            threads,
            t -> {
              ParameterStore s = t % 2 == 0 ? a : b;
              List<Integer> order = new ArrayList<>();
              for (int i = 0; i < machines; i++) {
                order.add(i);
              }
              Collections.shuffle(order, new Random(seed + t));
              int refused = 0;
              for (int i : order) {
                String id = "uuid-" + i;
                try {
                  s.hosts()
                      .create(
                          id, Params.of(Map.of("groups", List.of("default"), "serial", "t" + t)));
                  created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                } catch (AlreadyExistsException e) {
                  refused++;
                }
              }
              return refused;
            });
    assertThat(created).as("seed %d", seed).hasSize(machines);
    assertThat(created.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(outcomes.stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(machines * (threads - 1));
    assertThat(b.hosts().list()).hasSize(machines);
  }

  /**
   * Marking and unmarking installed through both servers while each writer also counts its own
   * field in the same host: every count arrives, and the mark ends where the last writer left it.
   */
  @Test
  @Timeout(60)
  void markAndUnmarkInstalledThroughBothLoseNoUpdate() throws Exception {
    a.hosts().create("h", Params.of(Map.of("groups", List.of("default"))));
    int threads = 4;
    int rounds = 15;
    runTogether(
        threads,
        t -> {
          ParameterStore s = t % 2 == 0 ? a : b;
          String mine = "count" + t;
          for (int i = 0; i < rounds; i++) {
            s.hosts().update("h", p -> mark(p, true).with(mine, (Long) p.get(mine).orElse(0L) + 1));
            s.hosts()
                .update("h", p -> mark(p, false).with(mine, (Long) p.get(mine).orElse(0L) + 1));
          }
          return null;
        });
    Params end = b.hosts().get("h").orElseThrow().value();
    for (int t = 0; t < threads; t++) {
      assertThat(end.get("count" + t)).contains((long) 2 * rounds);
    }
    assertThat(end.groups()).containsExactly("default");
  }

  private static Params mark(Params p, boolean installed) {
    List<String> groups = new ArrayList<>(p.groups());
    groups.remove("installed");
    if (installed) {
      groups.add("installed");
    }
    return p.with("groups", groups);
  }

  /**
   * The declared bound, checked exactly: any call to the other store's changeStamp() made at least
   * changeDetectionLag() after a write returned sees a new value; and without writes the stamp
   * holds still, so the bound is not met by disabling caches.
   */
  @Test
  @Timeout(60)
  void anotherServersWriteShowsInTheChangeStampWithinTheDeclaredLag() throws Exception {
    Map<String, String> config = mongo.config("lag" + DBS.incrementAndGet());
    config.put(MongoStoreSettings.CHANGE_LAG, "600");
    try (ParameterStore writer = TestProviderContext.instantiate(new MongoStoreProvider(), config);
        ParameterStore reader = TestProviderContext.instantiate(new MongoStoreProvider(), config)) {
      long lagNanos = reader.changeDetectionLag().toNanos();
      assertThat(reader.changeDetectionLag()).hasMillis(600);
      for (int round = 0; round < 3; round++) {
        long before = quietStamp(reader, lagNanos);
        writer.hosts().create("h" + round, Params.EMPTY);
        long written = System.nanoTime();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(lagNanos) + 1);
        assertThat(System.nanoTime() - written).isGreaterThanOrEqualTo(lagNanos);
        assertThat(reader.changeStamp()).as("round %d", round).isNotEqualTo(before);
        assertThat(reader.hosts().get("h" + round)).isPresent();
      }
    }
  }

  /** Waits until the stamp holds still over two lags, and returns it. */
  private static long quietStamp(ParameterStore s, long lagNanos) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      long first = s.changeStamp();
      long until = System.nanoTime() + 2 * lagNanos;
      boolean still = true;
      while (still && System.nanoTime() < until) {
        Thread.sleep(25);
        still = s.changeStamp() == first;
      }
      if (still) {
        return first;
      }
      assertThat(System.nanoTime())
          .as("the change stamp never held still for %d ms", 2 * lagNanos / 1_000_000)
          .isLessThan(deadline);
    }
  }

  @Test
  void theDatabaseComesFromTheUriPath() {
    try (ParameterStore other =
        TestProviderContext.instantiate(
            new MongoStoreProvider(), Map.of(StoreProvider.LOCATION, mongo.uri("")))) {
      other.hosts().create("x", Params.EMPTY);
      try (ParameterStore same =
          TestProviderContext.instantiate(
              new MongoStoreProvider(), Map.of(StoreProvider.LOCATION, mongo.uri("bergenholm")))) {
        assertThat(same.hosts().list()).containsExactly("x");
      }
    }
    assertThat(a.hosts().list()).isEmpty();
  }

  interface Task<T> {
    T run(int thread) throws Exception;
  }

  /** Runs {@code task} on {@code n} threads released together; rethrows the first failure. */
  static <T> List<T> runTogether(int n, Task<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CyclicBarrier start = new CyclicBarrier(n);
      List<Future<T>> futures = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return task.run(thread);
                }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(50, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
