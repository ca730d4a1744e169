package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inheritance walk of DESIGN.md: groups depth-first in list order, each group applied once
 * (first visit wins, so cycles are harmless), a group's own parameters over its ancestors', a later
 * group over an earlier one, and the host over every group.
 */
final class Inheritance {
  /** The host record that unknown ids resolve through. */
  static final String REGISTER = "register";

  static final String UUID = "uuid";
  static final String COMPUTED = "computed";

  private final ParameterStore store;
  private final BootCredentials credentials;

  Inheritance(ParameterStore store, BootCredentials credentials) {
    this.store = store;
    this.credentials = credentials;
  }

  /**
   * A host's parameters before expansion.
   *
   * @param params merged parameters, in insertion order
   * @param sources for each key, {@code host:<id>}, {@code group:<name>} or {@code computed}
   * @param raw for each key, the value as its source stores it
   */
  record Merged(
      String hostId,
      boolean known,
      Map<String, Object> params,
      Map<String, String> sources,
      Map<String, Object> raw) {}

  Merged host(String hostId) {
    Optional<Versioned<Params>> stored = store.hosts().get(hostId);
    boolean known = stored.isPresent();
    String recordName = known ? hostId : REGISTER;
    Params host =
        known
            ? stored.get().value()
            : store.hosts().get(REGISTER).map(Versioned::value).orElse(Params.EMPTY);

    Map<String, Object> params = new LinkedHashMap<>();
    Map<String, String> sources = new HashMap<>();
    Map<String, Object> raw = new HashMap<>();
    LinkedHashSet<String> visited = new LinkedHashSet<>();
    String referrer = "host '" + recordName + "'";
    apply(groupsOf(host, referrer), referrer, params, sources, raw, visited);

    String source = "host:" + recordName;
    for (Map.Entry<String, Object> e : host.asMap().entrySet()) {
      params.put(e.getKey(), e.getValue());
      sources.put(e.getKey(), source);
      raw.put(e.getKey(), e.getValue());
    }
    params.put(UUID, hostId);
    sources.put(UUID, COMPUTED);
    raw.put(UUID, hostId);
    // Issued per boot as the text is served (BootCredentials#issueInto); here only its stand-in.
    String token = credentials.placeholder();
    params.put(BootCredentials.PARAMETER, token);
    sources.put(BootCredentials.PARAMETER, COMPUTED);
    raw.put(BootCredentials.PARAMETER, token);
    List<String> groups = List.copyOf(visited);
    params.put(Params.GROUPS, groups);
    sources.put(Params.GROUPS, COMPUTED);
    raw.put(Params.GROUPS, groups);
    return new Merged(hostId, known, params, sources, raw);
  }

  /** A group's inherited parameters, not expanded; empty if there is no such group. */
  Optional<Params> group(String name) {
    Optional<Versioned<Params>> stored = store.groups().get(name);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> params = new LinkedHashMap<>();
    LinkedHashSet<String> visited = new LinkedHashSet<>();
    visited.add(name);
    Params own = stored.get().value();
    String referrer = "group '" + name + "'";
    apply(groupsOf(own, referrer), referrer, params, null, null, visited);
    params.putAll(own.asMap());
    return Optional.of(Params.of(params));
  }

  private void apply(
      List<String> names,
      String referrer,
      Map<String, Object> params,
      Map<String, String> sources,
      Map<String, Object> raw,
      LinkedHashSet<String> visited) {
    for (String name : names) {
      if (!visited.add(name)) {
        continue;
      }
      Params group = lookup(name, referrer);
      String self = "group '" + name + "'";
      apply(groupsOf(group, self), self, params, sources, raw, visited);
      String source = "group:" + name;
      for (Map.Entry<String, Object> e : group.asMap().entrySet()) {
        params.put(e.getKey(), e.getValue());
        if (sources != null) {
          sources.put(e.getKey(), source);
          raw.put(e.getKey(), e.getValue());
        }
      }
    }
  }

  private Params lookup(String name, String referrer) {
    Optional<Versioned<Params>> group;
    try {
      group = store.groups().get(name);
    } catch (BadInputException e) {
      // A valid name that fails is a record that cannot be read (a corrupt file), not a bad name.
      throw new BadInputException(
          referrer
              + " lists group '"
              + name
              + "', which "
              + (RecordNames.isValid(name) ? "cannot be read: " : "is not a valid group name: ")
              + e.getMessage(),
          e);
    }
    return group
        .map(Versioned::value)
        .orElseThrow(
            () ->
                new BadInputException(
                    referrer + " lists group '" + name + "', which does not exist"));
  }

  private static List<String> groupsOf(Params record, String who) {
    try {
      return record.groups();
    } catch (BadInputException e) {
      throw new BadInputException(who + ": " + e.getMessage(), e);
    }
  }
}
