package io.bergenholm.store.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.UpdateResult;
import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.RecordStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.bson.BsonDocument;
import org.bson.BsonMaximumSizeExceededException;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection ({@code hosts}, {@code groups} or {@code templates}) as a {@link RecordStore}.
 *
 * <p>Each record is one document, {@code _id} being its name, so every write is one single-document
 * operation and atomic without transactions. A write stores a fresh random token in the version
 * field; a conditional write filters on {@code _id} and that token, so of two writers holding the
 * same version exactly one succeeds. A document without a version field (as the Python project
 * wrote them) has as its version a hash of its content; a conditional write to it checks the hash
 * and then filters on the field being absent.
 */
final class MongoRecordStore<T> implements RecordStore<T> {
  private static final Logger log = LoggerFactory.getLogger(MongoRecordStore.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String TOKEN_PREFIX = "v";
  private static final String HASH_PREFIX = "h";

  /** How a record's value sits in its document, beside {@code _id} and the version. */
  interface Shape<T> {
    BsonDocument body(T value);

    /**
     * @param what names the record in errors, such as {@code host 'abc'}
     */
    T read(BsonDocument doc, String what);
  }

  private final RecordKind kind;
  private final MongoCollection<BsonDocument> collection;
  private final Shape<T> shape;
  private final MongoFailures failures;
  private final Runnable onWrite;
  private final Set<String> reportedBadIds = ConcurrentHashMap.newKeySet();

  MongoRecordStore(
      RecordKind kind,
      MongoCollection<BsonDocument> collection,
      Shape<T> shape,
      MongoFailures failures,
      Runnable onWrite) {
    this.kind = kind;
    this.collection = collection;
    this.shape = shape;
    this.failures = failures;
    this.onWrite = onWrite;
  }

  @Override
  public List<String> list() {
    return ids(new BsonDocument(), "listing " + kind.plural());
  }

  /**
   * Names of the records that {@code filter} selects and whose value passes {@code check}, sorted.
   */
  List<String> query(Bson filter, Predicate<T> check) {
    List<String> names = new ArrayList<>();
    try {
      for (BsonDocument doc : collection.find(filter)) {
        Optional<String> name = validName(doc.get(FieldNames.ID));
        if (name.isPresent() && check.test(shape.read(doc, what(name.get())))) {
          names.add(name.get());
        }
      }
    } catch (MongoException e) {
      throw failures.translate(e, "querying " + kind.plural(), false);
    }
    names.sort(null);
    return names;
  }

  private List<String> ids(Bson filter, String doing) {
    List<String> names = new ArrayList<>();
    try {
      for (BsonDocument doc :
          collection.find(filter).projection(Projections.include(FieldNames.ID))) {
        validName(doc.get(FieldNames.ID)).ifPresent(names::add);
      }
    } catch (MongoException e) {
      throw failures.translate(e, doing, false);
    }
    // Natural String order, as the contract says; MongoDB's own order is by UTF-8 bytes.
    names.sort(null);
    return names;
  }

  /**
   * A document's name, if it is one Bergenholm can address; others are reported once and skipped.
   */
  private Optional<String> validName(BsonValue id) {
    if (id instanceof BsonString s && RecordNames.isValid(s.getValue())) {
      return Optional.of(s.getValue());
    }
    String shown = String.valueOf(id);
    if (reportedBadIds.add(shown)) {
      log.warn(
          "skipping a document in collection '{}' whose _id {} is not a valid {} name",
          kind.plural(),
          shown,
          kind.singular());
    }
    return Optional.empty();
  }

  @Override
  public Optional<Versioned<T>> get(String name) {
    RecordNames.check(kind, name);
    return read(name, "reading").map(doc -> versioned(name, doc));
  }

  private Optional<BsonDocument> read(String name, String doing) {
    try {
      return Optional.ofNullable(collection.find(Filters.eq(FieldNames.ID, name)).first());
    } catch (MongoException e) {
      throw failures.translate(e, doing + " " + what(name), false);
    }
  }

  private Versioned<T> versioned(String name, BsonDocument doc) {
    return new Versioned<>(name, shape.read(doc, what(name)), versionOf(doc));
  }

  @Override
  public Versioned<T> create(String name, T value) {
    RecordNames.check(kind, name);
    String token = newToken();
    BsonDocument doc = document(name, value, token);
    try {
      collection.insertOne(doc);
    } catch (BsonMaximumSizeExceededException e) {
      throw MongoFailures.tooLarge(what(name), e);
    } catch (MongoException e) {
      if (MongoFailures.isDuplicateKey(e)) {
        throw new AlreadyExistsException(kind, name);
      }
      if (!MongoFailures.outcomeUnknown(e) || !wasWritten(name, token, e, "creating")) {
        throw failures.translate(e, "creating " + what(name), true);
      }
    }
    onWrite.run();
    return new Versioned<>(name, value, token);
  }

  @Override
  public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
    RecordNames.check(kind, name);
    String token = newToken();
    BsonDocument doc = document(name, value, token);
    Bson filter = writeFilter(name, ifVersion);
    UpdateResult result;
    try {
      result = collection.replaceOne(filter, doc);
    } catch (BsonMaximumSizeExceededException e) {
      throw MongoFailures.tooLarge(what(name), e);
    } catch (MongoException e) {
      if (MongoFailures.outcomeUnknown(e) && wasWritten(name, token, e, "replacing")) {
        onWrite.run();
        return new Versioned<>(name, value, token);
      }
      throw failures.translate(e, "replacing " + what(name), true);
    }
    if (result.getMatchedCount() == 0) {
      throw missedWrite(name, ifVersion);
    }
    onWrite.run();
    return new Versioned<>(name, value, token);
  }

  @Override
  public void delete(String name, Optional<String> ifVersion) {
    RecordNames.check(kind, name);
    Bson filter = writeFilter(name, ifVersion);
    DeleteResult result;
    try {
      result = collection.deleteOne(filter);
    } catch (MongoException e) {
      // A record that is gone afterwards is deleted, whoever's request did it.
      if (MongoFailures.outcomeUnknown(e) && ifVersion.isEmpty() && wasDeleted(name, e)) {
        onWrite.run();
        return;
      }
      throw failures.translate(e, "deleting " + what(name), true);
    }
    if (result.getDeletedCount() == 0) {
      throw missedWrite(name, ifVersion);
    }
    onWrite.run();
  }

  @Override
  public RecordKind kind() {
    return kind;
  }

  private NotFoundException notFound(String name) {
    return new NotFoundException(kind, name);
  }

  /**
   * The filter a write to {@code name} applies to: any version, the version token, or (for a
   * document written without one) no token while the content still hashes to {@code ifVersion}.
   */
  private Bson writeFilter(String name, Optional<String> ifVersion) {
    Bson id = Filters.eq(FieldNames.ID, name);
    if (ifVersion.isEmpty()) {
      return id;
    }
    String expected = ifVersion.get();
    if (!expected.startsWith(HASH_PREFIX)) {
      return Filters.and(id, Filters.eq(FieldNames.VERSION, expected));
    }
    BsonDocument current = read(name, "checking the version of").orElseThrow(() -> notFound(name));
    String actual = versionOf(current);
    if (!actual.equals(expected)) {
      throw new StaleVersionException(kind, name, expected, actual);
    }
    // Equality on every field as read closes the gap between the hash check and the write, except
    // for a field added meanwhile by a writer that keeps no version.
    List<Bson> same = new ArrayList<>();
    same.add(id);
    same.add(Filters.exists(FieldNames.VERSION, false));
    for (Map.Entry<String, BsonValue> field : current.entrySet()) {
      if (!field.getKey().equals(FieldNames.ID)) {
        same.add(Filters.eq(field.getKey(), field.getValue()));
      }
    }
    return Filters.and(same);
  }

  /** Why a write filtered on {@code name} (and a version) matched nothing. */
  private RuntimeException missedWrite(String name, Optional<String> ifVersion) {
    Optional<BsonDocument> now = read(name, "reading");
    if (now.isEmpty()) {
      return notFound(name);
    }
    return new StaleVersionException(kind, name, ifVersion.orElse("any"), versionOf(now.get()));
  }

  /** After a broken connection: whether the write carrying {@code token} got through. */
  private boolean wasWritten(String name, String token, MongoException failure, String doing) {
    try {
      BsonDocument now =
          collection
              .find(Filters.eq(FieldNames.ID, name))
              .projection(Projections.include(FieldNames.VERSION))
              .first();
      return now != null
          && now.get(FieldNames.VERSION) instanceof BsonString v
          && v.getValue().equals(token);
    } catch (MongoException again) {
      failure.addSuppressed(again);
      throw failures.unknownOutcome(failure, doing + " " + what(name));
    }
  }

  private boolean wasDeleted(String name, MongoException failure) {
    try {
      return collection
              .find(Filters.eq(FieldNames.ID, name))
              .projection(Projections.include(FieldNames.ID))
              .first()
          == null;
    } catch (MongoException again) {
      failure.addSuppressed(again);
      throw failures.unknownOutcome(failure, "deleting " + what(name));
    }
  }

  private BsonDocument document(String name, T value, String token) {
    BsonDocument doc = new BsonDocument(FieldNames.ID, new BsonString(name));
    doc.putAll(shape.body(value));
    doc.append(FieldNames.VERSION, new BsonString(token));
    return doc;
  }

  private static String versionOf(BsonDocument doc) {
    if (doc.get(FieldNames.VERSION) instanceof BsonString v) {
      return v.getValue();
    }
    BsonDocument content = doc.clone();
    content.remove(FieldNames.ID);
    content.remove(FieldNames.VERSION);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(content.toJson().getBytes(StandardCharsets.UTF_8));
      return HASH_PREFIX + HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String newToken() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return TOKEN_PREFIX + HexFormat.of().formatHex(bytes);
  }

  private String what(String name) {
    return kind.singular() + " '" + name + "'";
  }
}
