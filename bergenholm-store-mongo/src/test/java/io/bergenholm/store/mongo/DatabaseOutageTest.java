package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.Params;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The database stopped and started: with the H2 backend, whose data survives a restart. */
class DatabaseOutageTest {
  @TempDir Path dir;

  @Test
  @Timeout(60)
  void aRestartOfTheDatabaseLosesNothing() {
    Path file = dir.resolve("bergenholm.mv");
    Versioned<Params> host;
    Versioned<String> template;
    try (TestMongo mongo = TestMongo.h2(file);
        MongoParameterStore store = mongo.open("kept")) {
      store.groups().create("default", Params.of(Map.of("ipxe_script", "linux.ipxe", "a.b", 1L)));
      host = store.hosts().create("samplehost", Params.of(Map.of("groups", List.of("default"))));
      host = store.hosts().update("samplehost", p -> p.with("hostname", "test-200"));
      template = store.templates().create("linux.ipxe", "#!ipxe\nkernel {{kernel}}\n");
      store.templates().create("gone", "x");
      store.templates().delete("gone", Optional.empty());

      mongo.stop();
      assertThatThrownBy(() -> store.hosts().get("samplehost"))
          .isInstanceOf(UnavailableException.class);
      mongo.start();

      // The same store carries on by itself, versions intact.
      assertThat(store.hosts().get("samplehost")).contains(host);
      store
          .hosts()
          .replace(
              "samplehost", host.value().with("ipaddr", "10.0.0.2"), Optional.of(host.version()));
    }
    try (TestMongo mongo = TestMongo.h2(file);
        MongoParameterStore store = mongo.open("kept")) {
      assertThat(store.groups().get("default").orElseThrow().value())
          .isEqualTo(Params.of(Map.of("ipxe_script", "linux.ipxe", "a.b", 1L)));
      assertThat(store.hosts().get("samplehost").orElseThrow().value())
          .isEqualTo(host.value().with("ipaddr", "10.0.0.2"));
      assertThat(store.templates().list()).containsExactly("linux.ipxe");
      assertThat(store.templates().get("linux.ipxe")).contains(template);
    }
  }

  /**
   * Writers keep two fields equal and count their increments while the database goes away and comes
   * back. While it is away every call fails as unavailable within the timeout; afterwards the same
   * stores carry on; no record is half-written and no acknowledged increment is lost.
   */
  @Test
  @Timeout(90)
  void stoppedAndStartedUnderLoad() throws Exception {
    int hosts = 4;
    int threads = 4;
    try (TestMongo mongo = TestMongo.h2(dir.resolve("load.mv"));
        MongoParameterStore a = mongo.open("load");
        MongoParameterStore b = mongo.open("load")) {
      for (int h = 0; h < hosts; h++) {
        a.hosts().create("h" + h, Params.of(Map.of("n", 0L, "copy", 0L)));
      }
      Duration selection =
          Duration.ofMillis(
              Long.parseLong(mongo.config("x").get(MongoStoreSettings.SERVER_SELECTION_TIMEOUT)));
      AtomicLongArray acknowledged = new AtomicLongArray(hosts);
      AtomicLongArray unknown = new AtomicLongArray(hosts);
      ConcurrentLinkedQueue<Long> failureMillis = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicBoolean down = new AtomicBoolean();
      List<Long> stampsWhileDown = new ArrayList<>();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        ParameterStore s = t % 2 == 0 ? a : b;
        int thread = t;
        Thread w =
            new Thread(
                () -> {
                  for (int i = 0; !stop.get() && i < 100_000; i++) {
                    int h = (thread + i) % hosts;
                    long started = System.nanoTime();
                    try {
                      s.hosts()
                          .update(
                              "h" + h,
                              p ->
                                  p.with("n", (Long) p.get("n").orElseThrow() + 1)
                                      .with("copy", (Long) p.get("n").orElseThrow() + 1));
                      acknowledged.incrementAndGet(h);
                    } catch (UnavailableException e) {
                      failureMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                      if (e.getMessage().contains("may or may not")) {
                        unknown.incrementAndGet(h);
                      }
                    } catch (Throwable e) {
                      unexpected.add(e);
                      return;
                    }
                  }
                },
                "writer-" + t);
        workers.add(w);
        w.start();
      }
      Thread.sleep(500);
      mongo.stop();
      down.set(true);
      long downAt = System.nanoTime();
      while (System.nanoTime() - downAt < TimeUnit.MILLISECONDS.toNanos(2500)) {
        stampsWhileDown.add(a.changeStamp());
        Thread.sleep(100);
      }
      long failuresWhileDown = failureMillis.size();
      mongo.start();
      down.set(false);
      long upAt = System.nanoTime();
      long ackAtRestart = total(acknowledged);
      while (total(acknowledged) < ackAtRestart + 50
          && System.nanoTime() - upAt < TimeUnit.SECONDS.toNanos(20)) {
        Thread.sleep(20);
      }
      stop.set(true);
      for (Thread w : workers) {
        w.join(10_000);
      }

      assertThat(unexpected).isEmpty();
      assertThat(failuresWhileDown).as("calls failed while the database was down").isPositive();
      // One wait for a server, and one more when a broken write is checked afterwards.
      assertThat(failureMillis)
          .allSatisfy(ms -> assertThat(ms).isLessThan(2 * selection.toMillis() + 1500));
      assertThat(total(acknowledged))
          .as("the stores recovered by themselves")
          .isGreaterThanOrEqualTo(ackAtRestart + 50);
      // While the counter cannot be read the stamp never repeats, so no cache trusts old data.
      assertThat(stampsWhileDown.subList(stampsWhileDown.size() / 2, stampsWhileDown.size()))
          .doesNotHaveDuplicates();
      for (int h = 0; h < hosts; h++) {
        Params p = b.hosts().get("h" + h).orElseThrow().value();
        long n = (Long) p.get("n").orElseThrow();
        assertThat(p.get("copy")).as("h%d is whole", h).contains(n);
        assertThat(n)
            .as("h%d: acknowledged increments are all there", h)
            .isBetween(acknowledged.get(h), acknowledged.get(h) + unknown.get(h));
      }
    }
  }

  private static long total(AtomicLongArray a) {
    long sum = 0;
    for (int i = 0; i < a.length(); i++) {
      sum += a.get(i);
    }
    return sum;
  }

  @Test
  @Timeout(30)
  void aStoreOpenedWhileTheDatabaseIsDownStartsServingWhenItComesUp() {
    try (TestMongo mongo = TestMongo.h2(dir.resolve("late.mv"))) {
      mongo.stop();
      try (MongoParameterStore store = mongo.open("late")) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> store.templates().list())
            .isInstanceOf(UnavailableException.class)
            .hasMessageContaining("mongodb://127.0.0.1:" + mongo.port() + "/late")
            .hasMessageContaining("no server answered within 1000 ms");
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(2500));
        assertThatThrownBy(() -> store.templates().create("t", "x"))
            .isInstanceOf(UnavailableException.class)
            .hasMessageContaining("nothing was written");
        mongo.start();
        store.templates().create("t", "x");
        assertThat(store.templates().list()).containsExactly("t");
      }
    }
  }
}
