package io.bergenholm.store.mongo;

import com.mongodb.MongoClientSettings;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.BsonBoolean;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts, groups and templates in one MongoDB database, shared safely by any number of Bergenholm
 * servers. See {@link MongoRecordStore} for how writes stay atomic without transactions and {@link
 * ChangeTracker} for how replicas learn of each other's writes.
 *
 * <p>Nothing is asked of the database when the store opens: a server starts while the database is
 * down, answers {@link io.bergenholm.api.UnavailableException} until it is back, and then carries
 * on by itself (the driver keeps reconnecting).
 */
public final class MongoParameterStore implements ParameterStore {
  private static final Logger log = LoggerFactory.getLogger(MongoParameterStore.class);

  static final String TEMPLATE_TEXT = "content";

  private final MongoStoreSettings settings;
  private final MongoClient client;
  private final ChangeTracker changes;
  private final MongoRecordStore<Params> hosts;
  private final MongoRecordStore<Params> groups;
  private final MongoRecordStore<String> templates;
  private final MongoEventSink events;

  MongoParameterStore(MongoStoreSettings settings) {
    this.settings = settings;
    MongoClientSettings.Builder builder =
        MongoClientSettings.builder()
            .applyConnectionString(settings.uri())
            .applicationName("bergenholm")
            .applyToSocketSettings(
                s ->
                    s.connectTimeout(ms(settings.connectTimeout()), TimeUnit.MILLISECONDS)
                        .readTimeout(ms(settings.socketTimeout()), TimeUnit.MILLISECONDS))
            .applyToClusterSettings(
                c ->
                    c.serverSelectionTimeout(
                        ms(settings.serverSelectionTimeout()), TimeUnit.MILLISECONDS))
            // Waiting for a pooled connection must not outlast the timeout a caller was promised.
            .applyToConnectionPoolSettings(
                p -> p.maxWaitTime(ms(settings.serverSelectionTimeout()), TimeUnit.MILLISECONDS));
    if (settings.uri().getWriteConcern() == null) {
      // A write acknowledged by a majority survives a fail-over; with w:1 a new primary could
      // roll back an update another replica already built on.
      builder.writeConcern(WriteConcern.MAJORITY);
    }
    this.client = MongoClients.create(builder.build());
    MongoDatabase db = client.getDatabase(settings.database());
    MongoFailures failures = new MongoFailures(settings);
    this.changes =
        new ChangeTracker(
            db.getCollection(ChangeTracker.COLLECTION, BsonDocument.class),
            settings.changeLag(),
            settings.outsideChangeLag(),
            settings.displayName());
    Runnable onWrite = changes::recordWrite;
    this.hosts =
        new MongoRecordStore<>(
            RecordKind.HOST,
            db.getCollection(RecordKind.HOST.plural(), BsonDocument.class),
            new ParamsShape(),
            failures,
            onWrite);
    this.groups =
        new MongoRecordStore<>(
            RecordKind.GROUP,
            db.getCollection(RecordKind.GROUP.plural(), BsonDocument.class),
            new ParamsShape(),
            failures,
            onWrite);
    this.templates =
        new MongoRecordStore<>(
            RecordKind.TEMPLATE,
            db.getCollection(RecordKind.TEMPLATE.plural(), BsonDocument.class),
            new TemplateShape(),
            failures,
            onWrite);
    this.events =
        new MongoEventSink(
            db.getCollection(MongoEventSink.COLLECTION, BsonDocument.class), failures, 500, 50_000);
    log.info(
        "MongoDB store {} (connect {} ms, server selection {} ms, socket {} ms, change lag {} ms)",
        settings.displayName(),
        ms(settings.connectTimeout()),
        ms(settings.serverSelectionTimeout()),
        ms(settings.socketTimeout()),
        ms(settings.changeLag()));
  }

  @Override
  public RecordStore<Params> hosts() {
    return hosts;
  }

  @Override
  public RecordStore<Params> groups() {
    return groups;
  }

  @Override
  public RecordStore<String> templates() {
    return templates;
  }

  /**
   * One MongoDB query narrows the hosts; {@link Params#matches} then decides, so the answer is
   * exactly the default scan's. Criteria arrive as text while stored values may be numbers or
   * booleans (the Python project stored JSON as it came), so each criterion asks for the string and
   * for every stored value whose text it could be: {@code 8} also finds 8 and 8.0 (and the final
   * check keeps 8 only), {@code true} finds the boolean, {@code null} a null.
   */
  @Override
  public List<String> queryHosts(Map<String, String> criteria) {
    List<Bson> clauses = new ArrayList<>();
    for (Map.Entry<String, String> c : criteria.entrySet()) {
      candidates(c.getValue())
          .ifPresent(
              values -> clauses.add(Filters.in(FieldNames.encode(c.getKey(), true), values)));
    }
    Bson filter = clauses.isEmpty() ? new BsonDocument() : Filters.and(clauses);
    return hosts.query(filter, p -> p.matches(criteria));
  }

  /**
   * The stored values whose text is {@code wanted}, or empty where a database query cannot say (NaN
   * and infinities compare oddly), in which case that criterion is left to the final check.
   */
  static Optional<List<BsonValue>> candidates(String wanted) {
    List<BsonValue> values = new ArrayList<>();
    values.add(new BsonString(wanted));
    switch (wanted) {
      case "true", "false" -> values.add(BsonBoolean.valueOf(Boolean.parseBoolean(wanted)));
      case "null" -> values.add(BsonNull.VALUE);
      case "NaN", "Infinity", "-Infinity" -> {
        return Optional.empty();
      }
      default -> addNumbers(wanted, values);
    }
    return Optional.of(values);
  }

  private static void addNumbers(String wanted, List<BsonValue> values) {
    BigDecimal number;
    try {
      number = new BigDecimal(wanted);
    } catch (NumberFormatException notANumber) {
      return;
    }
    try {
      BigInteger integer = number.toBigIntegerExact();
      if (integer.bitLength() < 64) {
        values.add(new BsonInt64(integer.longValue()));
      } else {
        values.add(BsonParams.tagged("integer", integer.toString()));
      }
    } catch (ArithmeticException fractional) {
      // Not an integer: only the double and decimal forms below can have this text.
    }
    double d = number.doubleValue();
    if (Double.isFinite(d)) {
      values.add(new BsonDouble(d));
    }
    BsonParams.decimal128(number).ifPresent(dec -> values.add(new BsonDecimal128(dec)));
    values.add(BsonParams.tagged("decimal", wanted));
  }

  /**
   * Boot events in collection {@code boot_events}: 500 per host, 50000 overall, shared by every
   * replica.
   */
  @Override
  public Optional<BootEventSink> events() {
    return Optional.of(events);
  }

  @Override
  public long changeStamp() {
    return changes.stamp();
  }

  @Override
  public Duration changeDetectionLag() {
    return settings.changeLag();
  }

  @Override
  public void close() {
    changes.close();
    client.close();
  }

  @Override
  public String toString() {
    return "MongoParameterStore[" + settings.displayName() + "]";
  }

  private static long ms(Duration d) {
    return d.toMillis();
  }

  /** Hosts and groups: the parameters are the document's fields. */
  private static final class ParamsShape implements MongoRecordStore.Shape<Params> {
    @Override
    public BsonDocument body(Params value) {
      return BsonParams.toDocument(value);
    }

    @Override
    public Params read(BsonDocument doc, String what) {
      return BsonParams.fromDocument(doc, what);
    }
  }

  /** Templates: the text is field {@code content}, as the Python project stored it. */
  private static final class TemplateShape implements MongoRecordStore.Shape<String> {
    @Override
    public BsonDocument body(String value) {
      return new BsonDocument(TEMPLATE_TEXT, new BsonString(value));
    }

    @Override
    public String read(BsonDocument doc, String what) {
      if (doc.get(TEMPLATE_TEXT) instanceof BsonString text) {
        return text.getValue();
      }
      throw new BadInputException(
          what
              + " in MongoDB has no text field '"
              + TEMPLATE_TEXT
              + "'; set it to the template's text");
    }
  }
}
