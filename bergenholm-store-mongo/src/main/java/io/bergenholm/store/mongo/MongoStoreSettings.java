package io.bergenholm.store.mongo;

import com.mongodb.ConnectionString;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.store.StoreProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a {@link MongoParameterStore} is opened with, read from the provider's config map.
 *
 * <p>A timeout given as a config key wins over the same option in the URI ({@code
 * connectTimeoutMS}, {@code socketTimeoutMS}, {@code serverSelectionTimeoutMS}), which wins over
 * the default. The defaults are short on purpose: when the database is down a request should get
 * its 503 in seconds, not after the driver's 30-second default.
 *
 * @param uri the parsed location; holds the password, so it is never logged or shown
 * @param database from the URI path, {@code bergenholm} if the path is empty
 * @param connectTimeout TCP connect timeout
 * @param serverSelectionTimeout how long an operation waits for a usable server
 * @param socketTimeout how long an operation waits for a reply on an open connection
 * @param changeLag the bound on how late a change by another replica shows in the change stamp
 * @param outsideChangeLag how often the change stamp moves anyway, for edits made without
 *     Bergenholm (by hand, by the Python project)
 */
record MongoStoreSettings(
    ConnectionString uri,
    String database,
    Duration connectTimeout,
    Duration serverSelectionTimeout,
    Duration socketTimeout,
    Duration changeLag,
    Duration outsideChangeLag) {

  static final String CONNECT_TIMEOUT = "connect_timeout_ms";
  static final String SERVER_SELECTION_TIMEOUT = "server_selection_timeout_ms";
  static final String SOCKET_TIMEOUT = "socket_timeout_ms";
  static final String CHANGE_LAG = "change_lag_ms";
  static final String OUTSIDE_CHANGE_LAG = "outside_change_lag_ms";

  static final String DEFAULT_DATABASE = "bergenholm";

  static MongoStoreSettings from(Map<String, String> config) {
    String location = config.get(StoreProvider.LOCATION);
    if (location == null || location.isBlank()) {
      throw new BadInputException(
          "config key '"
              + StoreProvider.LOCATION
              + "' must hold a mongodb:// URI, such as mongodb://db1,db2/bergenholm?replicaSet=rs0");
    }
    ConnectionString uri;
    try {
      uri = new ConnectionString(location);
    } catch (IllegalArgumentException e) {
      // The driver's message may quote the URI; keep any password out of it.
      throw new BadInputException(
          "store location is not a usable mongodb:// URI: "
              + Redaction.scrub(e.getMessage(), passwordOf(location)));
    }
    String db =
        uri.getDatabase() == null || uri.getDatabase().isEmpty()
            ? DEFAULT_DATABASE
            : uri.getDatabase();
    return new MongoStoreSettings(
        uri,
        db,
        millis(config, CONNECT_TIMEOUT, Optional.ofNullable(uri.getConnectTimeout()), 3_000),
        millis(
            config,
            SERVER_SELECTION_TIMEOUT,
            Optional.ofNullable(uri.getServerSelectionTimeout()),
            5_000),
        millis(config, SOCKET_TIMEOUT, Optional.ofNullable(uri.getSocketTimeout()), 10_000),
        millis(config, CHANGE_LAG, Optional.empty(), 1_000),
        millis(config, OUTSIDE_CHANGE_LAG, Optional.empty(), 60_000));
  }

  /** The location without user, password or options, fit for logs and error messages. */
  String displayName() {
    return "mongodb://" + String.join(",", uri.getHosts()) + "/" + database;
  }

  /** The password in the URI, to scrub from any text that might quote it. */
  Optional<String> password() {
    char[] p = uri.getPassword();
    return p == null || p.length == 0 ? Optional.empty() : Optional.of(new String(p));
  }

  private static Optional<String> passwordOf(String location) {
    int at = location.lastIndexOf('@');
    int scheme = location.indexOf("://");
    if (at < 0 || scheme < 0 || at < scheme) {
      return Optional.empty();
    }
    String userInfo = location.substring(scheme + 3, at);
    int colon = userInfo.indexOf(':');
    return colon < 0 ? Optional.empty() : Optional.of(userInfo.substring(colon + 1));
  }

  private static Duration millis(
      Map<String, String> config, String key, Optional<Integer> fromUri, long dflt) {
    String text = config.get(key);
    if (text == null || text.isBlank()) {
      return Duration.ofMillis(fromUri.map(Integer::longValue).orElse(dflt));
    }
    long ms;
    try {
      ms = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "config key '" + key + "' must be a number of milliseconds, not '" + text + "'");
    }
    if (ms <= 0 || ms > Integer.MAX_VALUE) {
      throw new BadInputException(
          "config key '"
              + key
              + "' must be between 1 and "
              + Integer.MAX_VALUE
              + " milliseconds, not "
              + ms);
    }
    return Duration.ofMillis(ms);
  }
}
