package io.bergenholm.store.mongo;

import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.ParameterStoreContract;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against mongo-java-server over a real socket, one database per test. */
class MongoStoreContractTest extends ParameterStoreContract {
  private static final AtomicInteger DBS = new AtomicInteger();
  private static TestMongo mongo;
  private final Map<ParameterStore, String> databases = new ConcurrentHashMap<>();

  @BeforeAll
  static void startServer() {
    mongo = TestMongo.inMemory();
  }

  @AfterAll
  static void stopServer() {
    mongo.close();
  }

  @Override
  protected ParameterStore newStore() {
    return open("contract" + DBS.incrementAndGet());
  }

  @Override
  protected Optional<ParameterStore> openSameStore(ParameterStore store) {
    return Optional.of(open(databases.get(store)));
  }

  private ParameterStore open(String db) {
    ParameterStore s = mongo.open(db);
    databases.put(s, db);
    return s;
  }
}
