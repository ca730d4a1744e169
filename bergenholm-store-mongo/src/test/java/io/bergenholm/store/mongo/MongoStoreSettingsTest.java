package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import io.bergenholm.engine.Bergenholm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MongoStoreSettingsTest {
  private static final String SECRET = "s3cret-Passw0rd";

  @Test
  void timeoutsComeFromConfigThenUriThenDefaults() {
    MongoStoreSettings defaults =
        MongoStoreSettings.from(Map.of(StoreProvider.LOCATION, "mongodb://db1,db2/"));
    assertThat(defaults.database()).isEqualTo("bergenholm");
    assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(defaults.serverSelectionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.socketTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.changeLag()).isEqualTo(Duration.ofSeconds(1));
    assertThat(defaults.displayName()).isEqualTo("mongodb://db1,db2/bergenholm");

    Map<String, String> config = new HashMap<>();
    config.put(
        StoreProvider.LOCATION,
        "mongodb://db1/boot?connectTimeoutMS=700&serverSelectionTimeoutMS=800");
    config.put(MongoStoreSettings.SERVER_SELECTION_TIMEOUT, "900");
    config.put(MongoStoreSettings.CHANGE_LAG, "250");
    MongoStoreSettings s = MongoStoreSettings.from(config);
    assertThat(s.database()).isEqualTo("boot");
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofMillis(700));
    assertThat(s.serverSelectionTimeout()).isEqualTo(Duration.ofMillis(900));
    assertThat(s.changeLag()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void badSettingsNameTheKey() {
    assertThatThrownBy(() -> MongoStoreSettings.from(Map.of()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'location'");
    assertThatThrownBy(
            () ->
                MongoStoreSettings.from(
                    Map.of(
                        StoreProvider.LOCATION,
                        "mongodb://h/db",
                        MongoStoreSettings.SOCKET_TIMEOUT,
                        "soon")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(MongoStoreSettings.SOCKET_TIMEOUT);
    assertThatThrownBy(
            () ->
                MongoStoreSettings.from(
                    Map.of(
                        StoreProvider.LOCATION,
                        "mongodb://h/db",
                        MongoStoreSettings.CHANGE_LAG,
                        "0")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(MongoStoreSettings.CHANGE_LAG);
    assertThatThrownBy(
            () ->
                MongoStoreSettings.from(
                    Map.of(
                        StoreProvider.LOCATION,
                        "mongodb://admin:" + SECRET + "@h/db?notAnOption=%zz&authMechanism=BOGUS")))
        .isInstanceOf(BadInputException.class)
        .message()
        .doesNotContain(SECRET);
  }

  /**
   * A store whose URI carries a password that the server refuses: the password shows in no message,
   * no cause, and no log line.
   */
  @Test
  void thePasswordIsNeverShownOrLogged() {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    String failure;
    String shown;
    try (TestMongo mongo = TestMongo.inMemory()) {
      Map<String, String> config = mongo.config("secret");
      config.put(
          StoreProvider.LOCATION,
          "mongodb://admin:" + SECRET + "@127.0.0.1:" + mongo.port() + "/secret");
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try (ParameterStore store =
          TestProviderContext.instantiate(new MongoStoreProvider(), config)) {
        shown = store.toString();
        Throwable thrown = null;
        try {
          store.hosts().list();
        } catch (UnavailableException e) {
          thrown = e;
        }
        assertThat(thrown).as("mongo-java-server has no users, so the login must fail").isNotNull();
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        failure = trace.toString();
      }
    } finally {
      System.setErr(originalErr);
    }
    assertThat(failure).contains("127.0.0.1").doesNotContain(SECRET);
    assertThat(shown).doesNotContain(SECRET).doesNotContain("admin");
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("MongoDB store")
        .doesNotContain(SECRET);
  }

  /** The same through the engine, which chooses the store from its config as a server does. */
  @Test
  void theEngineNeitherShowsNorLogsThePassword() {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    String message;
    try (TestMongo mongo = TestMongo.inMemory()) {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try (Bergenholm engine =
          Bergenholm.builder()
              .config(
                  Map.of(
                      "store",
                      "mongodb://admin:" + SECRET + "@127.0.0.1:" + mongo.port() + "/secret",
                      "store." + MongoStoreSettings.SERVER_SELECTION_TIMEOUT,
                      "1000"))
              .build()) {
        UnavailableException e =
            assertThrows(UnavailableException.class, () -> engine.listHosts(Map.of()));
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        message = trace.toString();
      }
    } finally {
      System.setErr(originalErr);
    }
    assertThat(message).contains("authentication failed").doesNotContain(SECRET);
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("engine ready")
        .doesNotContain(SECRET);
  }
}
