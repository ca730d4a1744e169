package io.bergenholm.store.mongo;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import java.util.Map;
import java.util.Set;

/**
 * The {@code mongodb} store: {@code location} is a {@code mongodb://} URI whose path names the
 * database ({@code bergenholm} if none), for example {@code
 * mongodb://db1,db2,db3/bergenholm?replicaSet=rs0}.
 *
 * <p>Other config keys, all in milliseconds: {@value MongoStoreSettings#CONNECT_TIMEOUT} (default
 * 3000), {@value MongoStoreSettings#SERVER_SELECTION_TIMEOUT} (5000: how long a request waits for
 * the database before it fails as unavailable), {@value MongoStoreSettings#SOCKET_TIMEOUT} (10000),
 * {@value MongoStoreSettings#CHANGE_LAG} (1000: how late another replica's write may show in the
 * change stamp) and {@value MongoStoreSettings#OUTSIDE_CHANGE_LAG} (60000: the same for edits made
 * without Bergenholm).
 */
public final class MongoStoreProvider implements StoreProvider {
  @Override
  public String name() {
    return "mongodb";
  }

  @Override
  public ParameterStore create(String name, Map<String, String> config, ProviderContext context) {
    return new MongoParameterStore(MongoStoreSettings.from(config));
  }

  /** The location is secret: a MongoDB URI may carry a user's password. */
  @Override
  public Set<String> secretConfigKeys() {
    return Set.of(LOCATION);
  }
}
