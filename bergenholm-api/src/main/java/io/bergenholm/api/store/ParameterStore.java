package io.bergenholm.api.store;

import io.bergenholm.api.Params;
import io.bergenholm.api.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where hosts, groups and templates live. Implementations must be safe for use from many threads
 * and, where several Bergenholm servers share one backing system, from many processes: conditional
 * writes ({@link RecordStore#replace} with a version) are what keeps concurrent writers from losing
 * each other's updates.
 *
 * <p>A store keeps records as they are written; it knows nothing of inheritance or templates.
 */
public interface ParameterStore extends AutoCloseable {
  RecordStore<Params> hosts();

  RecordStore<Params> groups();

  RecordStore<String> templates();

  /**
   * Ids of the hosts whose own (stored, not inherited) parameters match every criterion, as
   * {@link Params#matches} defines, sorted. Stores with an index override this scan.
   */
  default List<String> queryHosts(Map<String, String> criteria) {
    List<String> matching = new ArrayList<>();
    for (String id : hosts().list()) {
      hosts().get(id).map(Versioned::value).filter(p -> p.matches(criteria)).ifPresent(p -> matching.add(id));
    }
    return matching;
  }

  /**
   * A number that changes whenever anything in the store changes, including changes made by other
   * processes or by hand, so that callers may cache what they derived from the store. A store
   * that cannot tell returns a new value on every call, which disables such caches. The number may
   * lag a change by at most {@link #changeDetectionLag()}.
   */
  long changeStamp();

  /** How long a change made elsewhere may take to show in {@link #changeStamp()}; zero if never. */
  default java.time.Duration changeDetectionLag() {
    return java.time.Duration.ZERO;
  }

  /**
   * Where this store keeps boot events, if it keeps them (an optional capability: the engine keeps
   * them in bounded memory otherwise). Replicas sharing the store share the sink's timeline.
   */
  default java.util.Optional<io.bergenholm.api.event.BootEventSink> events() {
    return java.util.Optional.empty();
  }

  /** Releases connections and watchers. */
  @Override
  default void close() {}
}
