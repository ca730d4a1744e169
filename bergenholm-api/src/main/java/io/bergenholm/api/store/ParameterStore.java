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
 *
 * <p>Error contract: the collections' calls follow {@link RecordStore}'s (not found, conflict, bad
 * input, unavailable); {@link #queryHosts} and {@link #changeStamp} throw only {@link
 * io.bergenholm.api.UnavailableException}, when the backing system cannot be reached.
 */
public interface ParameterStore extends AutoCloseable {
  /**
   * @return the hosts, by id
   */
  RecordStore<Params> hosts();

  /**
   * @return the groups, by name
   */
  RecordStore<Params> groups();

  /**
   * @return the templates, by name
   */
  RecordStore<String> templates();

  /**
   * Ids of the hosts whose own (stored, not inherited) parameters match every criterion, as {@link
   * Params#matches} defines, sorted. Stores with an index override this scan.
   *
   * @param criteria parameter names and the text their values must have
   * @return the matching host ids
   */
  default List<String> queryHosts(Map<String, String> criteria) {
    List<String> matching = new ArrayList<>();
    for (String id : hosts().list()) {
      hosts()
          .get(id)
          .map(Versioned::value)
          .filter(p -> p.matches(criteria))
          .ifPresent(p -> matching.add(id));
    }
    return matching;
  }

  /**
   * A number that changes whenever anything in the store changes, including changes made by other
   * processes or by hand, so that callers may cache what they derived from the store. A store that
   * cannot tell returns a new value on every call, which disables such caches. The number may lag a
   * change by at most {@link #changeDetectionLag()}.
   *
   * @return the current stamp
   */
  long changeStamp();

  /**
   * How long a change made elsewhere may take to show in {@link #changeStamp()}.
   *
   * @return the longest lag; zero if there is none
   */
  default java.time.Duration changeDetectionLag() {
    return java.time.Duration.ZERO;
  }

  /**
   * Where this store keeps boot events, if it keeps them (an optional capability: the engine keeps
   * them in bounded memory otherwise). Replicas sharing the store share the sink's timeline.
   *
   * @return the store's event sink, or empty
   */
  default java.util.Optional<io.bergenholm.api.event.BootEventSink> events() {
    return java.util.Optional.empty();
  }

  /** Releases connections and watchers. */
  @Override
  default void close() {}
}
