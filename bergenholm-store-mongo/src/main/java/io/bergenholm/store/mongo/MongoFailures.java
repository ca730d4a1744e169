package io.bergenholm.store.mongo;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.MongoWriteException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.BergenholmException;
import io.bergenholm.api.UnavailableException;
import org.bson.BsonMaximumSizeExceededException;

/** Turns driver exceptions into the store's error contract, with the password kept out. */
final class MongoFailures {
  private final MongoStoreSettings settings;

  MongoFailures(MongoStoreSettings settings) {
    this.settings = settings;
  }

  static boolean isDuplicateKey(MongoException e) {
    return e instanceof MongoWriteException w
            && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY
        || e.getCode() == 11000;
  }

  /**
   * Whether the operation may have reached the server before the failure, so that a write may have
   * been applied: the connection broke or timed out after the request was sent. A server that could
   * not be selected or connected to never saw the request.
   */
  static boolean outcomeUnknown(MongoException e) {
    return e instanceof MongoSocketException && !(e instanceof MongoSocketOpenException);
  }

  /**
   * The exception a caller gets for {@code e}, which happened while {@code doing} (such as "writing
   * host 'abc'"); {@code write} says whether it was a write that did not happen.
   */
  BergenholmException translate(MongoException e, String doing, boolean write) {
    if (e instanceof MongoServerException s && (s.getCode() == 10334 || s.getCode() == 17419)) {
      return new BadInputException(
          "MongoDB refused " + doing + ": the record exceeds its 16 MiB document limit", e);
    }
    if (write && e instanceof MongoWriteConcernException) {
      // The primary applied the write; the replicas did not confirm it in time.
      return unknownOutcome(e, doing);
    }
    return new UnavailableException(
        "MongoDB at "
            + settings.displayName()
            + " is unavailable while "
            + doing
            + ": "
            + reason(e)
            + (write ? "; nothing was written" : "")
            + "; retry later",
        e);
  }

  /** For a record that the driver refuses to send, being larger than a MongoDB document may be. */
  static BadInputException tooLarge(String what, BsonMaximumSizeExceededException e) {
    return new BadInputException(
        "cannot store " + what + ": the record exceeds MongoDB's 16 MiB document limit", e);
  }

  /** For a write whose outcome could not be checked after the connection broke. */
  UnavailableException unknownOutcome(MongoException e, String doing) {
    return new UnavailableException(
        "MongoDB at "
            + settings.displayName()
            + " stopped answering while "
            + doing
            + ": "
            + reason(e)
            + "; the write may or may not have been applied (never in part), "
            + "read the record before retrying",
        e);
  }

  private String reason(MongoException e) {
    if (e instanceof MongoTimeoutException) {
      return "no server answered within " + settings.serverSelectionTimeout().toMillis() + " ms";
    }
    if (e instanceof MongoSecurityException) {
      return "authentication failed (check the user and password in the store URI)";
    }
    if (e instanceof MongoSocketException) {
      return "connection failed ("
          + e.getClass().getSimpleName()
          + ": "
          + Redaction.scrub(e.getMessage(), settings.password())
          + ")";
    }
    return Redaction.scrub(String.valueOf(e.getMessage()), settings.password());
  }
}
