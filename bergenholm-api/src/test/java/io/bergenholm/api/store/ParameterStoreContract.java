package io.bergenholm.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link ParameterStore} must have, ours or a third party's. A store's test
 * class extends this one and implements {@link #newStore()}; a store that can be opened a second
 * time over the same data (a directory, a database) also overrides {@link
 * #openSameStore(ParameterStore)}, which enables the durability and cross-instance tests.
 *
 * <p>Every test runs against a fresh, empty store, available as {@link #store}, which is closed
 * after the test together with every store that {@link #openSameStore} returned. Concurrency tests
 * are bounded in both work and time. Randomized tests print their seed when they fail.
 */
public abstract class ParameterStoreContract {
  /** Threads that write one record at the same time in the concurrency tests. */
  protected static final int WRITERS = 4;

  /** Increments each writer makes in {@link #noUpdateIsLostUnderParallelWriters}. */
  protected static final int INCREMENTS_PER_WRITER = 25;

  /** The store under test: fresh and empty for each test. */
  protected ParameterStore store;

  private final List<ParameterStore> opened = new ArrayList<>();

  /** A new, empty store. Called once before each test. */
  protected abstract ParameterStore newStore();

  /**
   * Another instance over the same backing data as {@code store}, as a second server (or the same
   * server after a restart) would open it. {@code store} may be open or already closed. The default
   * returns empty, which skips the tests that need it.
   */
  protected Optional<ParameterStore> openSameStore(ParameterStore store) {
    return Optional.empty();
  }

  @BeforeEach
  final void openStore() {
    store = newStore();
    assertThat(store).as("newStore()").isNotNull();
    opened.add(store);
  }

  @AfterEach
  final void closeStores() {
    for (ParameterStore s : opened) {
      s.close();
    }
    opened.clear();
  }

  private ParameterStore sameStore(ParameterStore s) {
    Optional<ParameterStore> other = openSameStore(s);
    assumeTrue(other.isPresent(), "this store cannot be opened twice over the same data");
    opened.add(other.get());
    return other.get();
  }

  // ---------------------------------------------------------------------------------------------
  // Kinds: hosts and groups hold Params, templates hold text. The tests treat the three alike.

  @SuppressWarnings("unchecked")
  private static RecordStore<Object> records(ParameterStore s, RecordKind kind) {
    return (RecordStore<Object>)
        switch (kind) {
          case HOST -> s.hosts();
          case GROUP -> s.groups();
          case TEMPLATE -> s.templates();
        };
  }

  private RecordStore<Object> records(RecordKind kind) {
    return records(store, kind);
  }

  /** A value of the kind that differs for each {@code seed}. */
  private static Object sample(RecordKind kind, String seed) {
    if (kind == RecordKind.TEMPLATE) {
      return "#!ipxe\necho " + seed + " {{ hostname }}\n";
    }
    return Params.of(map("groups", List.of("default"), "seed", seed, "n", (long) seed.hashCode()));
  }

  /** A counter value of the kind, read back by {@link #counter}. */
  private static Object counterValue(RecordKind kind, long n) {
    return kind == RecordKind.TEMPLATE
        ? Long.toString(n)
        : Params.of(map("counter", n, "keep", "me"));
  }

  private static long counter(Object value) {
    return value instanceof Params p
        ? (Long) p.get("counter").orElseThrow()
        : Long.parseLong((String) value);
  }

  private static Object increment(RecordKind kind, Object value) {
    if (value instanceof Params p) {
      return p.with("counter", counter(p) + 1);
    }
    return counterValue(kind, counter(value) + 1);
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static void assertUnchanged(RecordStore<Object> r, Versioned<Object> before) {
    Versioned<Object> now =
        r.get(before.name())
            .orElseThrow(() -> new AssertionError("'" + before.name() + "' disappeared"));
    assertThat(now.value()).isEqualTo(before.value());
    assertThat(now.version()).isEqualTo(before.version());
  }

  // ---------------------------------------------------------------------------------------------
  // CRUD

  @Test
  void aNewStoreIsEmpty() {
    for (RecordKind kind : RecordKind.values()) {
      assertThat(records(kind).list()).as(kind.plural()).isEmpty();
      assertThat(records(kind).get("anything")).as(kind.plural()).isEmpty();
    }
    assertThat(store.queryHosts(Map.of())).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void createThenGetReturnsTheValueAndVersion(RecordKind kind) {
    Object value = sample(kind, "one");
    Versioned<Object> created = records(kind).create("one", value);
    assertThat(created.name()).isEqualTo("one");
    assertThat(created.value()).isEqualTo(value);
    assertThat(created.version()).isNotBlank();

    Versioned<Object> read = records(kind).get("one").orElseThrow();
    assertThat(read).isEqualTo(created);
    assertThat(records(kind).list()).containsExactly("one");
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void listIsSortedInNaturalStringOrder(RecordKind kind) {
    List<String> names =
        new ArrayList<>(
            List.of(
                "b", "a", "B", "A", "a b", "a:b", "a.b", "a-b", "10", "9", "ä", "z", "Z", "aa",
                "a~", "é", "名"));
    Collections.shuffle(names, new Random(42));
    for (String name : names) {
      records(kind).create(name, sample(kind, name));
    }
    List<String> sorted = new ArrayList<>(names);
    Collections.sort(sorted);
    assertThat(records(kind).list()).containsExactlyElementsOf(sorted);
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void kindsAreSeparateNamespaces(RecordKind kind) {
    for (RecordKind k : RecordKind.values()) {
      records(k).create("shared", sample(k, k.plural()));
    }
    records(kind).delete("shared", Optional.empty());
    for (RecordKind k : RecordKind.values()) {
      if (k == kind) {
        assertThat(records(k).get("shared")).isEmpty();
      } else {
        assertThat(records(k).get("shared").orElseThrow().value()).isEqualTo(sample(k, k.plural()));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void createOverAnExistingRecordFailsAndChangesNothing(RecordKind kind) {
    Versioned<Object> first = records(kind).create("x", sample(kind, "first"));
    assertThatThrownBy(() -> records(kind).create("x", sample(kind, "second")))
        .isInstanceOfSatisfying(
            AlreadyExistsException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(kind);
              assertThat(e.name()).isEqualTo("x");
            });
    assertUnchanged(records(kind), first);
    assertThat(records(kind).list()).containsExactly("x");
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void replaceChangesValueAndVersion(RecordKind kind) {
    Versioned<Object> first = records(kind).create("x", sample(kind, "first"));
    Versioned<Object> second = records(kind).replace("x", sample(kind, "second"), Optional.empty());
    assertThat(second.value()).isEqualTo(sample(kind, "second"));
    assertThat(second.version()).isNotEqualTo(first.version());
    assertThat(records(kind).get("x")).contains(second);

    // Back to the first content: still a version other than the second one's.
    Versioned<Object> third =
        records(kind).replace("x", sample(kind, "first"), Optional.of(second.version()));
    assertThat(third.version()).isNotEqualTo(second.version());
    assertThat(records(kind).get("x")).contains(third);
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void deleteRemovesTheRecordAndTheNameCanBeReused(RecordKind kind) {
    records(kind).create("x", sample(kind, "first"));
    records(kind).create("y", sample(kind, "y"));
    records(kind).delete("x", Optional.empty());
    assertThat(records(kind).get("x")).isEmpty();
    assertThat(records(kind).list()).containsExactly("y");
    Versioned<Object> again = records(kind).create("x", sample(kind, "again"));
    assertThat(records(kind).get("x")).contains(again);
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void missingRecordsAreNotFound(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    assertThat(r.get("missing")).isEmpty();
    assertThatThrownBy(() -> r.replace("missing", sample(kind, "v"), Optional.empty()))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.name()).isEqualTo("missing"));
    assertThatThrownBy(() -> r.replace("missing", sample(kind, "v"), Optional.of("some-version")))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> r.delete("missing", Optional.empty()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> r.delete("missing", Optional.of("some-version")))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> r.update("missing", UnaryOperator.identity()))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.name()).isEqualTo("missing");
              assertThat(e.what()).isEqualTo(kind.singular());
            });
    assertThat(r.kind()).isEqualTo(kind);
    assertThat(r.list()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void aStaleVersionIsRefusedAndChangesNothing(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    Versioned<Object> v1 = r.create("x", sample(kind, "1"));
    Versioned<Object> v2 = r.replace("x", sample(kind, "2"), Optional.of(v1.version()));

    assertThatThrownBy(() -> r.replace("x", sample(kind, "3"), Optional.of(v1.version())))
        .isInstanceOfSatisfying(
            StaleVersionException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(kind);
              assertThat(e.name()).isEqualTo("x");
            });
    assertUnchanged(r, v2);
    assertThatThrownBy(() -> r.delete("x", Optional.of(v1.version())))
        .isInstanceOf(StaleVersionException.class);
    assertUnchanged(r, v2);
    assertThatThrownBy(() -> r.replace("x", sample(kind, "3"), Optional.of("not-a-version-at-all")))
        .isInstanceOf(StaleVersionException.class);
    assertUnchanged(r, v2);

    r.delete("x", Optional.of(v2.version()));
    assertThat(r.get("x")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void updateAppliesTheChangeToTheCurrentValue(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    r.create("c", counterValue(kind, 41));
    Versioned<Object> updated = r.update("c", v -> increment(kind, v));
    assertThat(counter(updated.value())).isEqualTo(42);
    assertThat(r.get("c")).contains(updated);
  }

  // ---------------------------------------------------------------------------------------------
  // Concurrency

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  @Timeout(120)
  void noUpdateIsLostUnderParallelWriters(RecordKind kind) throws Exception {
    records(kind).create("counter", counterValue(kind, 0));
    runTogether(
        WRITERS,
        w ->
            () -> {
              for (int i = 0; i < INCREMENTS_PER_WRITER; i++) {
                records(kind).update("counter", v -> increment(kind, v));
              }
              return null;
            });
    Object value = records(kind).get("counter").orElseThrow().value();
    assertThat(counter(value)).isEqualTo((long) WRITERS * INCREMENTS_PER_WRITER);
    assertThat(value).isEqualTo(counterValue(kind, (long) WRITERS * INCREMENTS_PER_WRITER));
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  @Timeout(120)
  void noUpdateIsLostAcrossTwoInstancesOfTheStore(RecordKind kind) throws Exception {
    ParameterStore other = sameStore(store);
    records(kind).create("counter", counterValue(kind, 0));
    runTogether(
        WRITERS,
        w ->
            () -> {
              RecordStore<Object> r = records(w % 2 == 0 ? store : other, kind);
              for (int i = 0; i < INCREMENTS_PER_WRITER; i++) {
                r.update("counter", v -> increment(kind, v));
              }
              return null;
            });
    long expected = (long) WRITERS * INCREMENTS_PER_WRITER;
    assertThat(counter(records(kind).get("counter").orElseThrow().value())).isEqualTo(expected);
    assertThat(counter(records(other, kind).get("counter").orElseThrow().value()))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  @Timeout(120)
  void ofConcurrentCreatesOfOneNameExactlyOneWins(RecordKind kind) throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "race-" + round;
      List<Object> outcomes =
          runTogether(
              WRITERS,
              w ->
                  () -> {
                    try {
                      return records(kind).create(name, sample(kind, "writer-" + w));
                    } catch (AlreadyExistsException e) {
                      return e;
                    }
                  });
      List<Versioned<?>> winners = new ArrayList<>();
      for (Object o : outcomes) {
        if (o instanceof Versioned<?> v) {
          winners.add(v);
        }
      }
      assertThat(winners).as("round %d: %s", round, outcomes).hasSize(1);
      assertThat(records(kind).get(name)).contains(cast(winners.get(0)));
    }
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  @Timeout(120)
  void ofConcurrentConditionalReplacesExactlyOneWins(RecordKind kind) throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "cas-" + round;
      Versioned<Object> base = records(kind).create(name, sample(kind, "base"));
      List<Object> outcomes =
          runTogether(
              WRITERS,
              w ->
                  () -> {
                    try {
                      return records(kind)
                          .replace(name, sample(kind, "writer-" + w), Optional.of(base.version()));
                    } catch (StaleVersionException e) {
                      return e;
                    }
                  });
      List<Versioned<?>> winners = new ArrayList<>();
      for (Object o : outcomes) {
        if (o instanceof Versioned<?> v) {
          winners.add(v);
        }
      }
      assertThat(winners).as("round %d: %s", round, outcomes).hasSize(1);
      assertThat(records(kind).get(name)).contains(cast(winners.get(0)));
    }
  }

  @SuppressWarnings("unchecked")
  private static Versioned<Object> cast(Versioned<?> v) {
    return (Versioned<Object>) v;
  }

  /** A task for writer number {@code w}. */
  private interface Writer {
    Callable<Object> task(int w);
  }

  /**
   * Starts {@code n} tasks at the same moment and returns their results, failing on any exception.
   */
  private static List<Object> runTogether(int n, Writer writer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CyclicBarrier start = new CyclicBarrier(n);
      List<Future<Object>> futures = new ArrayList<>();
      for (int w = 0; w < n; w++) {
        Callable<Object> task = writer.task(w);
        futures.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  return task.call();
                }));
      }
      List<Object> results = new ArrayList<>();
      for (Future<Object> f : futures) {
        results.add(f.get(100, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        fail("writer threads did not stop");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Names

  /** Names that {@link RecordNames} allows but that trip naive file or key mappings. */
  protected static List<String> oddNames() {
    List<String> names =
        new ArrayList<>(
            List.of(
                "with space",
                " leading space",
                "trailing space ",
                "a:b",
                "user@example.org",
                "$HOME",
                "${uuid}",
                "{{name}}",
                "100%",
                "a%2Fb",
                "q?x=1",
                "#hash",
                "star*",
                "<angle>|pipe",
                "\"quoted\"",
                "it's",
                "semi;colon",
                "back`tick",
                "~",
                "-dash",
                "a.b.c",
                "ends.with.dot.",
                "UPPER",
                "Ünïcødé-名前",
                "emoji-😀",
                "ümlaut-NFD-u\u0308",
                "00:16:3e:12:34:56",
                "564d1a2b-0c3d-4e5f-8a9b-0c1d2e3f4a5b",
                "+plus",
                "=eq",
                "comma,list",
                "[brackets]",
                "(paren)",
                "&amp",
                "!bang",
                "a..b",
                "trailing.json.x",
                "ends.json",
                "ends.json.json"));
    names.add("a".repeat(RecordNames.MAX_BYTES));
    names.add("é".repeat(RecordNames.MAX_BYTES / 2) + "a"); // 255 bytes in 128 characters
    names.add("名".repeat(RecordNames.MAX_BYTES / 3)); // 255 bytes in 85 characters
    for (String n : names) {
      assertThat(RecordNames.isValid(n)).as("test name '%s' must be valid", n).isTrue();
    }
    return names;
  }

  /** Names that {@link RecordNames} refuses, each with the reason in its description. */
  protected static List<String> forbiddenNames() {
    List<String> names =
        List.of(
            "",
            ".",
            "..",
            ".hidden",
            "/x",
            "a/b",
            "../escape",
            "/etc/passwd",
            "a\\b",
            "a\u0000b",
            "\u0000",
            "line\nbreak",
            "tab\tbed",
            "del\u007f",
            "a".repeat(RecordNames.MAX_BYTES + 1),
            "é".repeat(RecordNames.MAX_BYTES / 2 + 1));
    for (String n : names) {
      assertThat(RecordNames.isValid(n)).as("test name '%s' must be invalid", n).isFalse();
    }
    return names;
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void oddNamesRoundTrip(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    List<String> names = oddNames();
    for (String name : names) {
      Versioned<Object> created = r.create(name, sample(kind, name));
      assertThat(r.get(name)).as("get '%s'", name).contains(created);
    }
    List<String> sorted = new ArrayList<>(names);
    Collections.sort(sorted);
    assertThat(r.list()).containsExactlyElementsOf(sorted);
    for (String name : names) {
      Versioned<Object> current = r.get(name).orElseThrow();
      Versioned<Object> replaced =
          r.replace(name, sample(kind, name + " again"), Optional.of(current.version()));
      assertThat(r.get(name)).as("get '%s'", name).contains(replaced);
      assertThatThrownBy(() -> r.create(name, sample(kind, "dup")))
          .isInstanceOf(AlreadyExistsException.class);
    }
    for (String name : names) {
      r.delete(name, Optional.empty());
      assertThat(r.get(name)).as("get '%s'", name).isEmpty();
    }
    assertThat(r.list()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void forbiddenNamesAreRefusedByEveryMethod(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    Versioned<Object> bystander = r.create("bystander", sample(kind, "bystander"));
    for (String name : forbiddenNames()) {
      Object value = sample(kind, "v");
      assertThatThrownBy(() -> r.create(name, value))
          .as("create %s", escape(name))
          .isInstanceOf(BadInputException.class);
      assertThatThrownBy(() -> r.get(name))
          .as("get %s", escape(name))
          .isInstanceOf(BadInputException.class);
      assertThatThrownBy(() -> r.replace(name, value, Optional.empty()))
          .as("replace %s", escape(name))
          .isInstanceOf(BadInputException.class);
      assertThatThrownBy(() -> r.delete(name, Optional.empty()))
          .as("delete %s", escape(name))
          .isInstanceOf(BadInputException.class);
    }
    assertThat(r.list()).containsExactly("bystander");
    assertUnchanged(r, bystander);
  }

  private static String escape(String name) {
    StringBuilder b = new StringBuilder("'");
    name.codePoints()
        .limit(40)
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.append("'").toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  @ParameterizedTest
  @EnumSource(
      value = RecordKind.class,
      names = {"HOST", "GROUP"})
  void everyJsonValueTypeRoundTripsWithItsJavaType(RecordKind kind) {
    Map<String, Object> m =
        map(
            "zeta",
            "keys keep their order, not sorted",
            "alpha",
            1L,
            "string",
            "plain",
            "empty string",
            "",
            "escapes",
            "quote \" backslash \\ slash / tab \t newline \n cr \r nul \u0000 bell \u0007",
            "unicode",
            "Grüße, 名前, 😀, \u2028\u2029",
            "templates",
            "{{ base_url }}/ipxe ${uuid} {% if x %}y{% endif %}",
            "long max",
            Long.MAX_VALUE,
            "long min",
            Long.MIN_VALUE,
            "zero",
            0L,
            "negative",
            -1L,
            "big positive",
            BigInteger.TWO.pow(64).add(BigInteger.ONE),
            "big negative",
            BigInteger.TWO.pow(70).negate(),
            "double",
            0.1,
            "whole double",
            3.0,
            "negative double",
            -2.5e-300,
            "huge double",
            1.7976931348623157e308,
            "tiny double",
            Double.MIN_VALUE,
            "negative zero",
            -0.0,
            "true",
            true,
            "false",
            false,
            "null",
            null,
            "empty list",
            List.of(),
            "empty map",
            Map.of(),
            "list",
            List.of(1L, "two", 3.5, true, BigInteger.TWO.pow(65)),
            "list with null",
            Collections.singletonList(null),
            "nested",
            map("a", List.of(map("b", List.of(List.of("c", map()))), "d"), "e", map("f", null)));
    Params value = Params.of(m);
    records(kind).create("types", value);
    Params read = (Params) records(kind).get("types").orElseThrow().value();
    assertThat(read).isEqualTo(value);
    assertThat(List.copyOf(read.keys())).containsExactlyElementsOf(value.keys());
    assertSameTypes("", value.asMap(), read.asMap());
  }

  @ParameterizedTest
  @EnumSource(
      value = RecordKind.class,
      names = {"HOST", "GROUP"})
  void oddParameterKeysRoundTrip(RecordKind kind) {
    Params value =
        Params.of(
            map(
                "",
                "empty key",
                "a.b",
                "dotted",
                "$dollar",
                "leading dollar",
                "with space",
                1L,
                "名前",
                "unicode",
                "quote\"",
                "q",
                "nested",
                map("x.y", map("$z", "deep"))));
    records(kind).create("keys", value);
    Params read = (Params) records(kind).get("keys").orElseThrow().value();
    assertThat(read).isEqualTo(value);
    assertThat(List.copyOf(read.keys())).containsExactlyElementsOf(value.keys());
  }

  /** Checks that every value came back as the same Java type (a whole double stays a Double). */
  private static void assertSameTypes(String path, Object expected, Object actual) {
    if (expected instanceof Map<?, ?> em) {
      assertThat(actual).as(path).isInstanceOf(Map.class);
      Map<?, ?> am = (Map<?, ?>) actual;
      assertThat(new ArrayList<Object>(am.keySet()))
          .as(path)
          .isEqualTo(new ArrayList<Object>(em.keySet()));
      for (Map.Entry<?, ?> e : em.entrySet()) {
        assertSameTypes(path + "/" + e.getKey(), e.getValue(), am.get(e.getKey()));
      }
    } else if (expected instanceof List<?> el) {
      assertThat(actual).as(path).isInstanceOf(List.class);
      List<?> al = (List<?>) actual;
      assertThat(al).as(path).hasSameSizeAs(el);
      for (int i = 0; i < el.size(); i++) {
        assertSameTypes(path + "[" + i + "]", el.get(i), al.get(i));
      }
    } else if (expected == null) {
      assertThat(actual).as(path).isNull();
    } else {
      assertThat(actual).as(path).isNotNull();
      assertThat(actual.getClass()).as("type of %s", path).isEqualTo(expected.getClass());
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = RecordKind.class,
      names = {"HOST", "GROUP"})
  void largeDocumentsRoundTrip(RecordKind kind) {
    long seed = new Random().nextLong();
    try {
      Random random = new Random(seed);
      Map<String, Object> big = new LinkedHashMap<>();
      for (int i = 0; i < 5000; i++) {
        big.put("key-" + Long.toHexString(random.nextLong()) + "-" + i, randomScalar(random));
      }
      big.put("deep map", nestedMaps(Params.MAX_DEPTH - 1));
      big.put("deep list", nestedLists(Params.MAX_DEPTH - 1));
      big.put("wide list", random.ints(20_000).mapToObj(i -> (Object) (long) i).toList());
      Params value = Params.of(big);
      records(kind).create("big", value);
      Params read = (Params) records(kind).get("big").orElseThrow().value();
      assertThat(read).isEqualTo(value);
      assertThat(List.copyOf(read.keys())).containsExactlyElementsOf(value.keys());
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "largeDocumentsRoundTrip failed with seed " + seed + ": " + e.getMessage(), e);
    }
  }

  /** A map nested so that its innermost level is at {@code levels} below the caller. */
  private static Object nestedMaps(int levels) {
    Object inner = "bottom";
    for (int i = 0; i < levels; i++) {
      inner = map("level " + (levels - i), inner, "sibling", (long) i);
    }
    return inner;
  }

  private static Object nestedLists(int levels) {
    Object inner = "bottom";
    for (int i = 0; i < levels; i++) {
      inner = List.of((long) i, inner);
    }
    return inner;
  }

  private static Object randomScalar(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> random.nextLong();
      case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
      case 2 -> random.nextBoolean();
      case 3 -> null;
      case 4 -> randomText(random, random.nextInt(40));
      default -> List.of(randomText(random, 5), random.nextLong());
    };
  }

  private static String randomText(Random random, int length) {
    StringBuilder b = new StringBuilder();
    String alphabet = "abcXYZ 019{}%$\"\\/:@.é名😀\n\t";
    for (int i = 0; i < length; i++) {
      b.appendCodePoint(
          alphabet.codePointAt(
              alphabet.offsetByCodePoints(
                  0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
    }
    return b.toString();
  }

  @Test
  void templatesKeepTheirTextExactly() {
    List<String> texts =
        List.of(
            "",
            "no trailing newline",
            "\n",
            "crlf\r\nlines\r\n",
            "\uFEFFstarts with a byte order mark\n",
            "tabs\tand trailing spaces   \n\n\n",
            "unicode: Grüße 名前 😀 \u2028\n",
            "{{ kernel }} {% for m in modules %}{{ m }}{% endfor %} ${uuid}\n");
    int i = 0;
    for (String text : texts) {
      String name = "t" + i++;
      store.templates().create(name, text);
      assertThat(store.templates().get(name).orElseThrow().value()).as(name).isEqualTo(text);
    }
  }

  @Test
  void aMultiMegabyteTemplateRoundTrips() {
    StringBuilder b = new StringBuilder();
    for (int line = 0; b.length() < 3 * 1024 * 1024; line++) {
      b.append("line ").append(line).append(": {{ value_").append(line % 97).append(" }} é名😀\n");
    }
    String text = b.toString();
    Versioned<String> created = store.templates().create("big.ks", text);
    assertThat(store.templates().get("big.ks").orElseThrow().value()).isEqualTo(text);
    String changed = text + "one more line\n";
    Versioned<String> replaced =
        store.templates().replace("big.ks", changed, Optional.of(created.version()));
    assertThat(replaced.version()).isNotEqualTo(created.version());
    assertThat(store.templates().get("big.ks").orElseThrow().value()).isEqualTo(changed);
    assertThat(changed.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(3 * 1024 * 1024);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries and change detection

  @Test
  void queryHostsMatchesOwnParametersExactly() {
    Map<String, Params> hosts = new LinkedHashMap<>();
    hosts.put(
        "a", Params.of(map("groups", List.of("centos6", "centos.amd64"), "os", "linux", "n", 5L)));
    hosts.put("b", Params.of(map("groups", "centos6", "os", "Linux")));
    hosts.put(
        "c",
        Params.of(map("groups", List.of("centos7"), "os", "linux", "flag", true, "nothing", null)));
    hosts.put(
        "d", Params.of(map("nested", map("k", "v"), "list", List.of(List.of("inner")), "x", 1.5)));
    hosts.put(
        "e with space", Params.of(map("groups", List.of("centos6", "installed"), "os", "linux")));
    for (Map.Entry<String, Params> h : hosts.entrySet()) {
      store.hosts().create(h.getKey(), h.getValue());
    }
    // A group with matching parameters must not show up: only hosts are queried.
    store.groups().create("g", Params.of(map("os", "linux", "groups", List.of("centos6"))));

    assertThat(store.queryHosts(Map.of("groups", "centos6")))
        .containsExactly("a", "b", "e with space");
    assertThat(store.queryHosts(Map.of("os", "linux"))).containsExactly("a", "c", "e with space");
    assertThat(store.queryHosts(Map.of("os", "linux", "groups", "centos6")))
        .containsExactly("a", "e with space");
    assertThat(store.queryHosts(Map.of("groups", "installed"))).containsExactly("e with space");
    assertThat(store.queryHosts(Map.of("n", "5"))).containsExactly("a");
    assertThat(store.queryHosts(Map.of("flag", "true"))).containsExactly("c");
    assertThat(store.queryHosts(Map.of("nothing", "null"))).containsExactly("c");
    assertThat(store.queryHosts(Map.of("x", "1.5"))).containsExactly("d");
    assertThat(store.queryHosts(Map.of("nested", "{k=v}"))).isEmpty();
    assertThat(store.queryHosts(Map.of("list", "inner"))).isEmpty();
    assertThat(store.queryHosts(Map.of("missing", "x"))).isEmpty();
    assertThat(store.queryHosts(Map.of("os", "LINUX"))).isEmpty();
    assertThat(store.queryHosts(Map.of())).containsExactly("a", "b", "c", "d", "e with space");
  }

  @Test
  void queryHostsAgreesWithParamsMatchesOnRandomData() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    List<String> values = List.of("x", "y", "1", "true", "null", "2.5");
    Map<String, Params> hosts = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String key : List.of("k1", "k2", "groups")) {
        switch (random.nextInt(5)) {
          case 0 -> {} // absent
          case 1 -> m.put(key, values.get(random.nextInt(values.size())));
          case 2 ->
              m.put(
                  key,
                  List.of(
                      values.get(random.nextInt(values.size())),
                      values.get(random.nextInt(values.size()))));
          case 3 -> m.put(key, random.nextBoolean() ? (Object) 1L : (Object) 2.5);
          default -> m.put(key, random.nextBoolean() ? null : (Object) true);
        }
      }
      hosts.put("h" + i, Params.of(m));
    }
    hosts.forEach((id, p) -> store.hosts().create(id, p));
    for (int q = 0; q < 60; q++) {
      Map<String, String> criteria = new LinkedHashMap<>();
      for (String key : List.of("k1", "k2", "groups")) {
        if (random.nextInt(3) == 0) {
          criteria.put(key, values.get(random.nextInt(values.size())));
        }
      }
      List<String> expected = new ArrayList<>();
      hosts.forEach(
          (id, p) -> {
            if (p.matches(criteria)) {
              expected.add(id);
            }
          });
      Collections.sort(expected);
      assertThat(store.queryHosts(criteria))
          .as("seed %d, query %s", seed, criteria)
          .containsExactlyElementsOf(expected);
    }
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  void changeStampChangesAfterEachWrite(RecordKind kind) {
    RecordStore<Object> r = records(kind);
    long s0 = store.changeStamp();
    Versioned<Object> v = r.create("x", sample(kind, "1"));
    long s1 = store.changeStamp();
    assertThat(s1).as("after create").isNotEqualTo(s0);
    v = r.replace("x", sample(kind, "2"), Optional.of(v.version()));
    long s2 = store.changeStamp();
    assertThat(s2).as("after replace").isNotEqualTo(s1);
    r.update("x", value -> sample(kind, "3"));
    long s3 = store.changeStamp();
    assertThat(s3).as("after update").isNotEqualTo(s2);
    r.delete("x", Optional.empty());
    long s4 = store.changeStamp();
    assertThat(s4).as("after delete").isNotEqualTo(s3);
    assertThat(store.changeDetectionLag().isNegative())
        .as("changeDetectionLag() is negative")
        .isFalse();
  }

  @ParameterizedTest
  @EnumSource(RecordKind.class)
  @Timeout(60)
  void changesThroughAnotherInstanceShowInChangeStampWithinTheLag(RecordKind kind)
      throws Exception {
    ParameterStore other = sameStore(store);
    long before = store.changeStamp();
    records(other, kind).create("elsewhere", sample(kind, "elsewhere"));
    long deadline =
        System.nanoTime() + store.changeDetectionLag().toNanos() + TimeUnit.SECONDS.toNanos(2);
    while (store.changeStamp() == before) {
      if (System.nanoTime() > deadline) {
        fail(
            "changeStamp did not change within the declared lag of "
                + store.changeDetectionLag()
                + " (plus 2 s of slack) after a write through another instance");
      }
      Thread.sleep(5);
    }
    assertThat(records(kind).get("elsewhere").orElseThrow().value())
        .isEqualTo(sample(kind, "elsewhere"));
  }

  // ---------------------------------------------------------------------------------------------
  // Durability

  @Test
  void recordsAndVersionsSurviveReopening() {
    Map<RecordKind, Versioned<Object>> written = new LinkedHashMap<>();
    for (RecordKind kind : RecordKind.values()) {
      written.put(kind, records(kind).create("kept", sample(kind, "kept")));
      records(kind).create("deleted", sample(kind, "deleted"));
      records(kind).delete("deleted", Optional.empty());
    }
    store.close();
    opened.remove(store);
    ParameterStore reopened = sameStore(store);
    for (RecordKind kind : RecordKind.values()) {
      assertThat(records(reopened, kind).list()).as(kind.plural()).containsExactly("kept");
      assertThat(records(reopened, kind).get("kept")).as(kind.plural()).contains(written.get(kind));
      // The version read before the restart still works for a conditional write.
      records(reopened, kind)
          .replace("kept", sample(kind, "new"), Optional.of(written.get(kind).version()));
    }
  }
}
