package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MongoParameterStoreTest {
  private static final AtomicInteger DBS = new AtomicInteger();
  private static TestMongo mongo;
  private static MongoClient raw;

  private String db;
  private MongoParameterStore store;

  @BeforeAll
  static void startServer() {
    mongo = TestMongo.inMemory();
    raw = MongoClients.create(mongo.uri("admin"));
  }

  @AfterAll
  static void stopServer() {
    raw.close();
    mongo.close();
  }

  @BeforeEach
  void open() {
    db = "t" + DBS.incrementAndGet();
    store = mongo.open(db);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private MongoCollection<Document> rawCollection(String name) {
    return raw.getDatabase(db).getCollection(name);
  }

  @Test
  void providerIsFoundByNameAndDeclaresTheLocationSecret() {
    StoreProvider provider =
        ServiceLoader.load(StoreProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("mongodb"))
            .findFirst()
            .orElseThrow();
    assertThat(provider).isInstanceOf(MongoStoreProvider.class);
    assertThat(provider.secretConfigKeys()).containsExactly(StoreProvider.LOCATION);
    try (ParameterStore s =
        TestProviderContext.instantiate(provider, Map.of(StoreProvider.LOCATION, mongo.uri("")))) {
      assertThat(s.toString()).endsWith("/bergenholm]");
    }
  }

  @Test
  void hostsRoundTripWithVersions() {
    Params p = Params.of(Map.of("groups", List.of("centos6"), "hostname", "test-200"));
    Versioned<Params> created = store.hosts().create("samplehost", p);
    assertThat(store.hosts().get("samplehost")).contains(created);
    assertThat(store.hosts().list()).containsExactly("samplehost");

    Versioned<Params> replaced =
        store
            .hosts()
            .replace("samplehost", p.with("ipaddr", "10.0.0.1"), Optional.of(created.version()));
    assertThat(replaced.version()).isNotEqualTo(created.version());
    assertThatThrownBy(() -> store.hosts().replace("samplehost", p, Optional.of(created.version())))
        .isInstanceOf(StaleVersionException.class)
        .hasMessageContaining(replaced.version());
    assertThatThrownBy(() -> store.hosts().delete("samplehost", Optional.of(created.version())))
        .isInstanceOf(StaleVersionException.class);
    assertThatThrownBy(() -> store.hosts().create("samplehost", p))
        .isInstanceOf(AlreadyExistsException.class);
    assertThat(store.hosts().get("samplehost").orElseThrow().value().string("ipaddr"))
        .contains("10.0.0.1");

    store.hosts().delete("samplehost", Optional.of(replaced.version()));
    assertThat(store.hosts().get("samplehost")).isEmpty();
    assertThatThrownBy(() -> store.hosts().delete("samplehost", Optional.empty()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.hosts().replace("samplehost", p, Optional.empty()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aRecreatedRecordDoesNotAcceptTheOldVersion() {
    Versioned<Params> first = store.groups().create("g", Params.EMPTY);
    store.groups().delete("g", Optional.empty());
    store.groups().create("g", Params.EMPTY);
    assertThatThrownBy(
            () -> store.groups().replace("g", Params.EMPTY, Optional.of(first.version())))
        .isInstanceOf(StaleVersionException.class);
  }

  @Test
  void templatesAreDocumentsWithContent() {
    store.templates().create("linux.ipxe", "#!ipxe\nkernel {{kernel}}\n");
    Document doc = rawCollection("templates").find().first();
    assertThat(doc.getString("_id")).isEqualTo("linux.ipxe");
    assertThat(doc.getString("content")).isEqualTo("#!ipxe\nkernel {{kernel}}\n");
    assertThat(store.templates().get("linux.ipxe").orElseThrow().value())
        .isEqualTo("#!ipxe\nkernel {{kernel}}\n");
  }

  @Test
  void documentsLookLikeThePythonProjects() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("groups", List.of("centos6"));
    values.put("hostname", "test-200");
    store.hosts().create("samplehost", Params.of(values));
    Document doc = rawCollection("hosts").find().first();
    assertThat(doc.keySet()).containsExactly("_id", "groups", "hostname", FieldNames.VERSION);
    assertThat(doc.getString("_id")).isEqualTo("samplehost");
    assertThat(doc.getList("groups", String.class)).containsExactly("centos6");
  }

  @Test
  void documentsWrittenByThePythonProjectAreReadAndUpdated() {
    // As pymongo wrote them: _id and plain fields, int32 numbers, no version field.
    rawCollection("hosts")
        .insertOne(
            new Document("_id", "samplehost")
                .append("groups", List.of("centos6", "centos.amd64"))
                .append("hostname", "test-200")
                .append("disks", 2));
    rawCollection("groups")
        .insertOne(new Document("_id", "register").append("ipxe_url", "{{base_url}}/ipxe"));
    rawCollection("templates")
        .insertOne(new Document("_id", "register.ipxe").append("content", "#!ipxe\n"));

    assertThat(store.hosts().list()).containsExactly("samplehost");
    Versioned<Params> host = store.hosts().get("samplehost").orElseThrow();
    assertThat(host.value())
        .isEqualTo(
            Params.of(
                Map.of(
                    "groups",
                    List.of("centos6", "centos.amd64"),
                    "hostname",
                    "test-200",
                    "disks",
                    2L)));
    assertThat(host.value().keys()).containsExactly("groups", "hostname", "disks");
    assertThat(store.hosts().get("samplehost").orElseThrow().version()).isEqualTo(host.version());
    assertThat(store.groups().get("register").orElseThrow().value().string("ipxe_url"))
        .contains("{{base_url}}/ipxe");
    assertThat(store.templates().get("register.ipxe").orElseThrow().value()).isEqualTo("#!ipxe\n");
    assertThat(store.queryHosts(Map.of("disks", "2"))).containsExactly("samplehost");

    // A hand edit changes the version of a document that has none of its own.
    rawCollection("hosts")
        .updateOne(
            new Document("_id", "samplehost"),
            new Document("$set", new Document("hostname", "test-201")));
    assertThatThrownBy(
            () -> store.hosts().replace("samplehost", host.value(), Optional.of(host.version())))
        .isInstanceOf(StaleVersionException.class);

    Versioned<Params> current = store.hosts().get("samplehost").orElseThrow();
    Versioned<Params> marked =
        store
            .hosts()
            .update(
                "samplehost",
                p -> p.with("groups", List.of("centos6", "centos.amd64", "installed")));
    assertThat(marked.value().groups()).containsExactly("centos6", "centos.amd64", "installed");
    assertThat(marked.version()).isNotEqualTo(current.version());
    assertThat(store.hosts().get("samplehost")).contains(marked);
    assertThat(rawCollection("hosts").find().first().getString("hostname")).isEqualTo("test-201");
  }

  @Test
  void parameterNamesMongoCannotStoreComeBackUnchanged() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("a.b", "dot");
    nested.put("$x", "dollar");
    nested.put("_id", "nested id");
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("ipmi.host", "10.0.0.9");
    values.put("$where", "dollar");
    values.put("nul\0in", "nul");
    values.put("_id", "not the id");
    values.put(FieldNames.VERSION, "not the version");
    values.put("%2E", "looks encoded");
    values.put("", "empty");
    values.put("map", nested);
    values.put("list", List.of(Map.of("k.k", 1L)));
    Params p = Params.of(values);
    store.hosts().create("weird", p);
    Params back = store.hosts().get("weird").orElseThrow().value();
    assertThat(back).isEqualTo(p);
    assertThat(back.keys()).containsExactlyElementsOf(values.keySet());
    assertThat(store.queryHosts(Map.of("ipmi.host", "10.0.0.9", "_id", "not the id")))
        .containsExactly("weird");
    assertThat(rawCollection("hosts").find().first().getString("_id")).isEqualTo("weird");
  }

  @Test
  void everyParamsValueTypeRoundTrips() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("s", "text");
    values.put("t", true);
    values.put("n", null);
    values.put("l", Long.MIN_VALUE);
    values.put("d", 0.1);
    values.put("nan", Double.NaN);
    values.put("inf", Double.NEGATIVE_INFINITY);
    values.put("dec", new BigDecimal("1.50"));
    values.put("bigdec", new BigDecimal("3.14159265358979323846264338327950288419716939937510"));
    values.put("bigint", new BigInteger("123456789012345678901234567890"));
    values.put("list", List.of("a", 1L, List.of(), Map.of()));
    values.put("deep", Map.of("x", Map.of("y", List.of(true))));
    Params p = Params.of(values);
    store.groups().create("types", p);
    Params back = store.groups().get("types").orElseThrow().value();
    assertThat(back).isEqualTo(p);
    for (String key : values.keySet()) {
      assertThat(typeOf(back.asMap().get(key))).as(key).isEqualTo(typeOf(values.get(key)));
    }
  }

  private static Class<?> typeOf(Object v) {
    return v == null
        ? null
        : v instanceof List ? List.class : v instanceof Map ? Map.class : v.getClass();
  }

  @Test
  void aRecordBeyondMongosDocumentLimitIsBadInputAndNothingIsWritten() {
    String huge = "x".repeat(17 * 1024 * 1024);
    assertThatThrownBy(() -> store.templates().create("huge.ks", huge))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("template 'huge.ks'")
        .hasMessageContaining("16 MiB");
    assertThat(store.templates().list()).isEmpty();
    store.hosts().create("h", Params.EMPTY);
    assertThatThrownBy(
            () -> store.hosts().replace("h", Params.of(Map.of("blob", huge)), Optional.empty()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host 'h'");
    assertThat(store.hosts().get("h").orElseThrow().value()).isEqualTo(Params.EMPTY);
  }

  @Test
  void badNamesAreRefused() {
    assertThatThrownBy(() -> store.hosts().get("a/b")).isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> store.templates().create("", "x"))
        .isInstanceOf(BadInputException.class);
  }

  @Test
  void queryHostsFindsStringsNumbersBooleansAndListMembers() {
    store
        .hosts()
        .create(
            "a",
            Params.of(Map.of("groups", List.of("centos6", "installed"), "rack", 8L, "vm", true)));
    store.hosts().create("b", Params.of(Map.of("groups", "centos6", "rack", 8.0, "vm", false)));
    store
        .hosts()
        .create("c", Params.of(Map.of("groups", List.of(List.of("installed")), "rack", "8")));
    assertThat(store.queryHosts(Map.of("groups", "installed"))).containsExactly("a");
    assertThat(store.queryHosts(Map.of("groups", "centos6"))).containsExactly("a", "b");
    assertThat(store.queryHosts(Map.of("rack", "8"))).containsExactly("a", "c");
    assertThat(store.queryHosts(Map.of("rack", "8.0"))).containsExactly("b");
    assertThat(store.queryHosts(Map.of("vm", "true"))).containsExactly("a");
    assertThat(store.queryHosts(Map.of("vm", "true", "rack", "8.0"))).isEmpty();
    assertThat(store.queryHosts(Map.of())).containsExactly("a", "b", "c");
  }

  /** The real query must answer exactly as the contract's scan with {@link Params#matches}. */
  @Test
  void queryHostsAgreesWithParamsMatches() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    Object[] pool = {
      "x",
      "8",
      8L,
      8.0,
      true,
      "true",
      null,
      "null",
      new BigDecimal("8.0"),
      "8.0",
      List.of("x", 8L),
      List.of(List.of("x")),
      Map.of("x", "x"),
      Double.NaN,
      "NaN",
      new BigInteger("99999999999999999999"),
      "99999999999999999999",
      List.of(false, "y")
    };
    String[] keys = {"k1", "k2", "a.b", "groups"};
    Map<String, Params> hosts = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (String k : keys) {
        if (r.nextInt(3) > 0) {
          values.put(k, pool[r.nextInt(pool.length)]);
        }
      }
      Params p = Params.of(values);
      hosts.put("h" + i, p);
      store.hosts().create("h" + i, p);
    }
    String[] wanted = {
      "x", "8", "8.0", "true", "false", "null", "NaN", "y", "99999999999999999999", "{x=x}"
    };
    for (int q = 0; q < 60; q++) {
      Map<String, String> criteria = new LinkedHashMap<>();
      int n = 1 + r.nextInt(2);
      for (int j = 0; j < n; j++) {
        criteria.put(keys[r.nextInt(keys.length)], wanted[r.nextInt(wanted.length)]);
      }
      List<String> expected = new ArrayList<>();
      hosts.forEach(
          (id, p) -> {
            if (p.matches(criteria)) {
              expected.add(id);
            }
          });
      expected.sort(null);
      assertThat(store.queryHosts(criteria))
          .as("seed %d, criteria %s", seed, criteria)
          .isEqualTo(expected);
    }
  }

  /**
   * Edits that bypass the counter (by hand, by the Python project) reach caches within the outside
   * lag.
   */
  @Test
  void aHandEditShowsInTheChangeStampWithinTheOutsideLag() throws Exception {
    Map<String, String> config = mongo.config(db);
    config.put(MongoStoreSettings.OUTSIDE_CHANGE_LAG, "400");
    config.put(MongoStoreSettings.CHANGE_LAG, "5000");
    try (ParameterStore s = TestProviderContext.instantiate(new MongoStoreProvider(), config)) {
      s.hosts().create("h", Params.of(Map.of("hostname", "a")));
      long deadline = System.nanoTime() + 10_000_000_000L;
      long before = s.changeStamp();
      while (s.changeStamp() != before && System.nanoTime() < deadline) {
        Thread.sleep(20); // until the first poll has answered and the stamp holds still
        before = s.changeStamp();
      }
      assertThat(s.changeStamp()).isEqualTo(before);
      rawCollection("hosts")
          .updateOne(new Document("_id", "h"), new Document("$set", new Document("hostname", "b")));
      long edited = System.nanoTime();
      Thread.sleep(401);
      assertThat(System.nanoTime() - edited).isGreaterThan(400_000_000L);
      assertThat(s.changeStamp()).isNotEqualTo(before);
      assertThat(s.hosts().get("h").orElseThrow().value().string("hostname")).contains("b");
    }
  }

  @Test
  void changeStampIsStableWithoutWritesAndMovesOnEveryWrite() throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    long a = store.changeStamp();
    long b = store.changeStamp();
    while (a != b && System.nanoTime() < deadline) {
      Thread.sleep(20); // the first poll has not answered yet
      a = store.changeStamp();
      b = store.changeStamp();
    }
    assertThat(b).isEqualTo(a);
    store.templates().create("t", "x");
    long c = store.changeStamp();
    assertThat(c).isNotEqualTo(b);
    store.templates().replace("t", "y", Optional.empty());
    assertThat(store.changeStamp()).isNotEqualTo(c);
    assertThat(store.changeDetectionLag()).hasMillis(200);
  }
}
