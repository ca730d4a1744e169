package io.bergenholm.engine;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.BergenholmException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reinstalling hosts: for one host, set its groups and clear {@code installed}, ask for a network
 * boot at the next start, then power cycle it (reset when it is on, on otherwise); for a rack, the
 * same for each host, a bounded number at a time per power driver, every host to the end whatever
 * the others do.
 *
 * <p>Nothing is rolled back: a power step that fails after the groups changed leaves the groups
 * changed, and the {@link ProvisionOutcome} says so step by step.
 */
final class Provisioning {
  private static final Logger log = LoggerFactory.getLogger(Provisioning.class);

  /** The largest rack one call may name. */
  static final int MAX_HOSTS = 10_000;

  /** What provisioning needs of the engine, one host at a time. */
  interface Machines {
    /** The store of hosts and groups. */
    ParameterStore store();

    PowerState status(String hostId);

    /** Performs exactly this action through the host's driver (no implied network boot). */
    void perform(String hostId, PowerAction action);

    /** The host's {@code power_driver}, the unit of parallelism. */
    String driverName(String hostId);
  }

  private final Machines machines;
  private final int perDriver;

  Provisioning(Machines machines, int perDriver) {
    this.machines = machines;
    this.perDriver = perDriver;
  }

  /** Reinstalls one host; never throws for a failure of the host's own steps. */
  ProvisionOutcome one(String hostId, ProvisionRequest request) {
    List<String> done = new ArrayList<>();
    String step = ProvisionOutcome.GROUPS;
    Optional<List<String>> groups = Optional.empty();
    Optional<String> version = Optional.empty();
    try {
      Versioned<Params> host = reinstallGroups(hostId, request.groups(), request.ifVersion());
      done.add(step);
      groups = Optional.of(host.value().groups());
      version = Optional.of(host.version());

      step = ProvisionOutcome.NETWORK_BOOT_NEXT;
      machines.perform(hostId, PowerAction.NETWORK_BOOT_NEXT);
      done.add(step);

      step = "status";
      boolean on = machines.status(hostId) == PowerState.ON;
      step = on ? ProvisionOutcome.RESET : ProvisionOutcome.ON;
      machines.perform(hostId, on ? PowerAction.RESET : PowerAction.ON);
      done.add(step);
      log.info("provision host {}: {}", hostId, done);
      return new ProvisionOutcome(
          hostId, 200, done, Optional.empty(), Optional.empty(), groups, version);
    } catch (RuntimeException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (e instanceof BergenholmException) {
        log.warn("provision host {}: {} failed after {}: {}", hostId, step, done, message);
      } else {
        log.warn("provision host {}: {} failed after {}", hostId, step, done, e);
      }
      return new ProvisionOutcome(
          hostId, status(e), done, Optional.of(step), Optional.of(message), groups, version);
    }
  }

  /**
   * Sets the host's groups (its current ones if none are given) without {@code installed}, in one
   * write: with {@code ifVersion} only while that is the record's version, otherwise retrying
   * against concurrent writers.
   */
  private Versioned<Params> reinstallGroups(
      String hostId, Optional<List<String>> groups, Optional<String> ifVersion) {
    // A group that does not exist would leave the host unresolvable: refuse before writing.
    for (String g : groups.orElse(List.of())) {
      RecordNames.check(RecordKind.GROUP, g);
      if (!g.equals(Bergenholm.INSTALLED) && machines.store().groups().get(g).isEmpty()) {
        throw new BadInputException("host '" + hostId + "': group '" + g + "' does not exist");
      }
    }
    UnaryOperator<Params> change =
        host -> {
          List<String> next = new ArrayList<>(groups.orElse(host.groups()));
          next.removeIf(Bergenholm.INSTALLED::equals);
          return host.with(Params.GROUPS, next);
        };
    RecordStore<Params> hosts = machines.store().hosts();
    if (ifVersion.isPresent()) {
      Versioned<Params> current =
          hosts.get(hostId).orElseThrow(() -> new NotFoundException(RecordKind.HOST, hostId));
      return hosts.replace(hostId, change.apply(current.value()), ifVersion);
    }
    return hosts.update(hostId, change);
  }

  /**
   * Reinstalls many hosts through {@code perHost} (the engine's one-host call), at most {@code
   * perDriver} at a time for each power driver; the answer follows the order of {@code hostIds}
   * (duplicates once).
   */
  List<ProvisionOutcome> rack(List<String> hostIds, Function<String, ProvisionOutcome> perHost) {
    LinkedHashSet<String> ids = new LinkedHashSet<>(hostIds);
    if (ids.isEmpty()) {
      throw new BadInputException("provision: 'hosts' must name at least one host");
    }
    if (ids.size() > MAX_HOSTS) {
      throw new BadInputException(
          "provision: at most " + MAX_HOSTS + " hosts per call, found " + ids.size());
    }
    Map<String, ProvisionOutcome> outcomes = new LinkedHashMap<>();
    Map<String, List<String>> byDriver = new LinkedHashMap<>();
    for (String id : ids) {
      outcomes.put(id, null);
      try {
        byDriver.computeIfAbsent(machines.driverName(id), d -> new ArrayList<>()).add(id);
      } catch (RuntimeException e) {
        outcomes.put(
            id,
            new ProvisionOutcome(
                id,
                status(e),
                List.of(),
                Optional.of(ProvisionOutcome.GROUPS),
                Optional.of(String.valueOf(e.getMessage())),
                Optional.empty(),
                Optional.empty()));
      }
    }
    List<ExecutorService> pools = new ArrayList<>();
    Map<String, Future<ProvisionOutcome>> pending = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, List<String>> e : byDriver.entrySet()) {
        ExecutorService pool =
            Executors.newFixedThreadPool(
                Math.min(perDriver, e.getValue().size()), threads("provision-" + e.getKey()));
        pools.add(pool);
        for (String id : e.getValue()) {
          pending.put(id, pool.submit(() -> perHost.apply(id)));
        }
      }
      for (Map.Entry<String, Future<ProvisionOutcome>> e : pending.entrySet()) {
        outcomes.put(e.getKey(), await(e.getKey(), e.getValue()));
      }
    } finally {
      pools.forEach(ExecutorService::shutdownNow);
    }
    return List.copyOf(outcomes.values());
  }

  private static ProvisionOutcome await(String id, Future<ProvisionOutcome> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(
          "provision interrupted while waiting for host '" + id + "'", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return new ProvisionOutcome(
          id,
          cause instanceof RuntimeException r ? status(r) : 500,
          List.of(),
          Optional.of(ProvisionOutcome.GROUPS),
          Optional.of(String.valueOf(cause.getMessage())),
          Optional.empty(),
          Optional.empty());
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The HTTP-style status of a failure, as the REST API maps the same exceptions. */
  static int status(RuntimeException e) {
    if (e instanceof BadInputException || e instanceof AlreadyExistsException) {
      return 400;
    } else if (e instanceof NotFoundException) {
      return 404;
    } else if (e instanceof StaleVersionException) {
      return 412;
    } else if (e instanceof UpstreamException) {
      return 502;
    } else if (e instanceof UnavailableException) {
      return 503;
    }
    return 500;
  }
}
