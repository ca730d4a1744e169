package io.bergenholm.store.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.event.EventQuery;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * Boot events in collection {@value #COLLECTION}, one timeline for every replica sharing the
 * database.
 *
 * <p>Bounded like a capped collection, by trimming rather than by {@code capped: true}: a capped
 * collection bounds bytes overall but not events per host, and the in-process test server cannot
 * create one. After each batch the writer finds, for each host the batch touched and for the whole
 * collection, the newest event beyond the bound ({@code sort} by time descending, {@code skip} the
 * bound) and deletes it and everything older. Each replica trims after its own writes, so the
 * collection exceeds a bound by at most the batches in flight at once; deletes of the same old
 * events by two replicas are harmless. Order is by time in microseconds, then by {@code _id}.
 */
final class MongoEventSink implements BootEventSink {
  static final String COLLECTION = "boot_events";
  private static final String TIME = "t";
  private static final String SUBJECT = "s";

  private final MongoCollection<BsonDocument> events;
  private final MongoFailures failures;
  private final int maxPerSubject;
  private final int maxTotal;
  private volatile boolean indexed;

  MongoEventSink(
      MongoCollection<BsonDocument> events,
      MongoFailures failures,
      int maxPerSubject,
      int maxTotal) {
    this.events = events;
    this.failures = failures;
    this.maxPerSubject = maxPerSubject;
    this.maxTotal = maxTotal;
  }

  @Override
  public void append(List<BootEvent> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      if (!indexed) {
        events.createIndex(
            Indexes.compoundIndex(Indexes.ascending(SUBJECT), Indexes.descending(TIME)));
        events.createIndex(Indexes.descending(TIME));
        indexed = true;
      }
      List<BsonDocument> docs = new ArrayList<>(batch.size());
      Set<String> subjects = new LinkedHashSet<>();
      for (BootEvent e : batch) {
        docs.add(toDocument(e));
        subjects.add(e.subject());
      }
      events.insertMany(docs);
      for (String s : subjects) {
        trim(Filters.eq(SUBJECT, s), maxPerSubject);
      }
      trim(new BsonDocument(), maxTotal);
    } catch (MongoException e) {
      throw failures.translate(e, "writing " + batch.size() + " boot events", true);
    }
  }

  /** Deletes what {@code scope} holds beyond its {@code bound} newest events. */
  private void trim(Bson scope, int bound) {
    BsonDocument oldestToGo =
        events.find(scope).sort(Sorts.descending(TIME, "_id")).skip(bound).limit(1).first();
    if (oldestToGo == null) {
      return;
    }
    BsonValue t = oldestToGo.get(TIME);
    BsonValue id = oldestToGo.get("_id");
    events.deleteMany(
        Filters.and(
            scope,
            Filters.or(
                Filters.lt(TIME, t), Filters.and(Filters.eq(TIME, t), Filters.lte("_id", id)))));
  }

  @Override
  public List<BootEvent> read(EventQuery query) {
    List<Bson> clauses = new ArrayList<>();
    query.subject().ifPresent(s -> clauses.add(Filters.eq(SUBJECT, s)));
    query.since().ifPresent(t -> clauses.add(Filters.gt(TIME, micros(t))));
    Bson filter = clauses.isEmpty() ? new BsonDocument() : Filters.and(clauses);
    List<BootEvent> out = new ArrayList<>();
    try {
      for (BsonDocument d :
          events.find(filter).sort(Sorts.descending(TIME, "_id")).limit(query.limit())) {
        out.add(fromDocument(d));
      }
    } catch (MongoException e) {
      throw failures.translate(e, "reading boot events", false);
    }
    Collections.reverse(out);
    return out;
  }

  private static BsonDocument toDocument(BootEvent e) {
    BsonDocument d =
        new BsonDocument("_id", new BsonObjectId(new ObjectId()))
            .append(TIME, new BsonInt64(micros(e.time())))
            .append(SUBJECT, new BsonString(e.subject()))
            .append("kind", new BsonString(e.kind()))
            .append("outcome", new BsonString(e.outcome()));
    e.host().ifPresent(h -> d.append("host", new BsonString(h)));
    e.mac().ifPresent(m -> d.append("mac", new BsonString(m)));
    e.ip().ifPresent(i -> d.append("ip", new BsonString(i)));
    // Attribute names come from the network side too: kept as values of a list, never as field
    // names.
    List<BsonValue> attributes = new ArrayList<>();
    e.attributes()
        .forEach(
            (k, v) ->
                attributes.add(
                    new BsonDocument("k", new BsonString(k)).append("v", new BsonString(v))));
    d.append("a", new org.bson.BsonArray(attributes));
    return d;
  }

  private static BootEvent fromDocument(BsonDocument d) {
    long micros = d.getInt64(TIME).getValue();
    Instant time = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    Map<String, String> attributes = new LinkedHashMap<>();
    for (BsonValue v : d.getArray("a", new org.bson.BsonArray())) {
      BsonDocument kv = v.asDocument();
      attributes.put(kv.getString("k").getValue(), kv.getString("v").getValue());
    }
    return new BootEvent(
        time,
        d.getString("kind").getValue(),
        text(d, "host"),
        text(d, "mac"),
        text(d, "ip"),
        d.getString("outcome").getValue(),
        attributes);
  }

  private static Optional<String> text(BsonDocument d, String key) {
    return d.containsKey(key) ? Optional.of(d.getString(key).getValue()) : Optional.empty();
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }
}
