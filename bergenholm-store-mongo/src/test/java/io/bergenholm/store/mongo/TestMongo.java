package io.bergenholm.store.mongo;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.store.StoreProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A mongo-java-server on 127.0.0.1 that can be stopped and started again on the same port, with its
 * data in memory or in an H2 file.
 */
final class TestMongo implements AutoCloseable {
  private final Supplier<MongoBackend> backends;
  private MongoServer server;
  private int port;

  private TestMongo(Supplier<MongoBackend> backends) {
    this.backends = backends;
  }

  /** In memory: the data lives as long as the backend; {@link #restart} keeps it only with H2. */
  static TestMongo inMemory() {
    MemoryBackend backend = new MemoryBackend();
    TestMongo m = new TestMongo(() -> backend);
    m.start();
    return m;
  }

  /** Data in an H2 file that survives {@link #stop()} and {@link #start()}. */
  static TestMongo h2(Path file) {
    TestMongo m = new TestMongo(() -> new H2Backend(file.toString()));
    m.start();
    return m;
  }

  synchronized void start() {
    server = new MongoServer(backends.get());
    server.bind("127.0.0.1", port);
    InetSocketAddress bound = server.getLocalAddress();
    port = bound.getPort();
  }

  synchronized void stop() {
    if (server != null) {
      server.shutdownNow();
      server = null;
    }
  }

  int port() {
    return port;
  }

  /** The store location for database {@code db}. */
  String uri(String db) {
    return "mongodb://127.0.0.1:" + port + "/" + db;
  }

  /** Store config with short timeouts, so outage tests finish quickly. */
  Map<String, String> config(String db) {
    Map<String, String> c = new HashMap<>();
    c.put(StoreProvider.LOCATION, uri(db));
    c.put(MongoStoreSettings.CONNECT_TIMEOUT, "500");
    c.put(MongoStoreSettings.SERVER_SELECTION_TIMEOUT, "1000");
    c.put(MongoStoreSettings.SOCKET_TIMEOUT, "2000");
    c.put(MongoStoreSettings.CHANGE_LAG, "200");
    return c;
  }

  MongoParameterStore open(String db) {
    return (MongoParameterStore)
        TestProviderContext.instantiate(new MongoStoreProvider(), config(db));
  }

  @Override
  public void close() {
    stop();
  }
}
