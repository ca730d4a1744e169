package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection that breaks after the database applied a write but before the reply arrived: the
 * store finds its own write and reports success, so a registration is neither lost nor reported as
 * a failure that a retry would turn into "already exists".
 */
class BrokenConnectionTest {
  private TestMongo mongo;
  private ReplyDroppingProxy proxy;
  private ParameterStore store;
  private ParameterStore direct;

  @BeforeEach
  void open() throws Exception {
    mongo = TestMongo.inMemory();
    proxy = new ReplyDroppingProxy(mongo.port());
    Map<String, String> config = mongo.config("broken");
    config.put(StoreProvider.LOCATION, "mongodb://127.0.0.1:" + proxy.port() + "/broken");
    // After a broken connection the driver rediscovers the server before the check can read;
    // give that the default time, which a loaded machine needs.
    config.put(MongoStoreSettings.SERVER_SELECTION_TIMEOUT, "5000");
    store = TestProviderContext.instantiate(new MongoStoreProvider(), config);
    direct = mongo.open("broken");
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    direct.close();
    proxy.close();
    mongo.close();
  }

  @Test
  @Timeout(30)
  void writesWhoseReplyIsLostAreFoundAndReportedAsDone() {
    proxy.dropReplyTo("insert");
    Versioned<Params> created = store.hosts().create("machine", Params.of(Map.of("serial", "S1")));
    assertThat(proxy.dropped()).isEqualTo(1);
    assertThat(direct.hosts().get("machine")).contains(created);

    proxy.dropReplyTo("update");
    Versioned<Params> replaced =
        store
            .hosts()
            .replace("machine", Params.of(Map.of("serial", "S2")), Optional.of(created.version()));
    assertThat(proxy.dropped()).isEqualTo(2);
    assertThat(direct.hosts().get("machine")).contains(replaced);

    proxy.dropReplyTo("delete");
    store.hosts().delete("machine", Optional.empty());
    assertThat(proxy.dropped()).isEqualTo(3);
    assertThat(direct.hosts().get("machine")).isEmpty();
  }
}
