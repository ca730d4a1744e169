package io.bergenholm.store.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.bson.BsonDocument;
import org.bson.BsonNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's change stamp, shared by every Bergenholm replica on one database through a counter
 * document ({@code {_id: "changes", seq: N}} in collection {@code bergenholm_meta}).
 *
 * <p>Every write through any replica increments the counter after the record is written. Each
 * replica polls the counter in the background every half {@code lag}, and {@link #stamp()} moves
 * when the counter has. The bound is kept by construction: if the last successful poll started more
 * than {@code lag} ago (database down or slow), {@link #stamp()} returns a new value on every call,
 * which disables any cache keyed on it until polling succeeds again. A write through this replica
 * moves its own stamp at once.
 *
 * <p>Edits that do not touch the counter (by hand, by the Python project, or by a replica that died
 * between writing a record and counting it) are not seen by the counter; the stamp moves at least
 * every {@code outsideLag} anyway, which bounds how long those stay invisible to caches. A counter
 * increment that fails after a successful write is retried by the poller.
 */
final class ChangeTracker implements AutoCloseable {
  static final String COLLECTION = "bergenholm_meta";
  static final String DOC_ID = "changes";
  static final String SEQ = "seq";

  private static final Logger log = LoggerFactory.getLogger(ChangeTracker.class);

  private final MongoCollection<BsonDocument> meta;
  private final long lagNanos;
  private final long outsideLagNanos;
  private final LongSupplier clock;
  private final String displayName;
  private final ScheduledExecutorService poller;

  private final AtomicLong stamp = new AtomicLong();
  private final AtomicLong unsentIncrements = new AtomicLong();
  private volatile long lastSeq = Long.MIN_VALUE;

  /**
   * When the last successful poll started, by {@link #clock}; polled data is at least that fresh.
   */
  private volatile long freshSince;

  private volatile boolean everPolled;
  private volatile boolean failing;
  private volatile long lastOutsideTick;

  ChangeTracker(
      MongoCollection<BsonDocument> meta, Duration lag, Duration outsideLag, String displayName) {
    this.meta = meta;
    this.lagNanos = lag.toNanos();
    this.outsideLagNanos = outsideLag.toNanos();
    this.clock = System::nanoTime;
    this.displayName = displayName;
    this.lastOutsideTick = clock.getAsLong();
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bergenholm-mongo-changes");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1, lag.toMillis() / 2);
    poller.scheduleWithFixedDelay(this::poll, 0, period, TimeUnit.MILLISECONDS);
  }

  /** See {@link io.bergenholm.api.store.ParameterStore#changeStamp()}. */
  long stamp() {
    long now = clock.getAsLong();
    if (!everPolled || now - freshSince > lagNanos) {
      return stamp.incrementAndGet();
    }
    if (now - lastOutsideTick > outsideLagNanos) {
      lastOutsideTick = now;
      return stamp.incrementAndGet();
    }
    return stamp.get();
  }

  /** Called after every successful write through this replica. */
  void recordWrite() {
    try {
      increment(1);
    } catch (MongoException e) {
      // The record is written; only the signal to other replicas is late. The poller resends it.
      unsentIncrements.incrementAndGet();
      log.warn(
          "could not count a change in {} ({}); other replicas will see it once the database answers",
          displayName,
          e.getClass().getSimpleName());
    }
    // After the increment: every write counted before ours is visible by now, so a reader that
    // sees the new stamp cannot cache an older copy under it.
    stamp.incrementAndGet();
  }

  private long increment(long by) {
    BsonDocument after =
        meta.findOneAndUpdate(
            Filters.eq("_id", DOC_ID),
            Updates.inc(SEQ, by),
            new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
    long seq = after == null ? 0 : seqOf(after);
    // Everything counted up to seq is written already, and this replica's stamp has moved for it.
    lastSeq = Math.max(lastSeq, seq);
    return seq;
  }

  private void poll() {
    long started = clock.getAsLong();
    try {
      long pending = unsentIncrements.getAndSet(0);
      if (pending > 0) {
        try {
          increment(pending);
        } catch (MongoException e) {
          unsentIncrements.addAndGet(pending);
          throw e;
        }
      }
      BsonDocument doc = meta.find(Filters.eq("_id", DOC_ID)).first();
      long seq = doc == null ? 0 : seqOf(doc);
      if (seq != lastSeq || failing) {
        lastSeq = seq;
        stamp.incrementAndGet();
      }
      if (failing) {
        failing = false;
        log.info("change counter in {} readable again", displayName);
      }
      freshSince = started;
      everPolled = true;
    } catch (MongoException e) {
      if (!failing) {
        failing = true;
        log.warn(
            "cannot read the change counter in {} ({}); caches are bypassed until it answers",
            displayName,
            e.getClass().getSimpleName());
      }
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; keep polling and say what went wrong.
      failing = true;
      log.error("unexpected failure polling the change counter in {}", displayName, e);
    }
  }

  private static long seqOf(BsonDocument doc) {
    return doc.get(SEQ) instanceof BsonNumber n ? n.longValue() : 0;
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
