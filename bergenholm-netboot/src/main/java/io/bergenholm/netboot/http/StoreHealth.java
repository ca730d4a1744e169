package io.bergenholm.netboot.http;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.store.ParameterStore;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store can serve boots: it answers, and every group record can be read (a group that
 * cannot be read breaks every host below it). Groups are read again only when the store's change
 * stamp moves, so a readiness probe costs one stamp read while nothing changes.
 */
final class StoreHealth {
  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  private final ParameterStore store;
  private long checkedStamp = Long.MIN_VALUE; // guarded by this
  private Optional<String> problem = Optional.empty(); // guarded by this

  StoreHealth(ParameterStore store) {
    this.store = store;
  }

  /**
   * The first record that cannot be read (file and line, as the store names them), if any.
   *
   * @throws io.bergenholm.api.UnavailableException if the store does not answer
   */
  synchronized Optional<String> problem() {
    long stamp = store.changeStamp();
    if (stamp == checkedStamp) {
      return problem;
    }
    store.templates().list();
    Optional<String> found = Optional.empty();
    for (String name : store.groups().list()) {
      try {
        store.groups().get(name);
      } catch (BadInputException e) {
        found = Optional.of("group '" + name + "' cannot be read: " + e.getMessage());
        break;
      }
    }
    if (found.isPresent() && !found.equals(problem)) {
      log.error("not ready: {}", found.get());
    } else if (found.isEmpty() && problem.isPresent()) {
      log.info("ready again: every group can be read");
    }
    problem = found;
    checkedStamp = stamp;
    return found;
  }
}
