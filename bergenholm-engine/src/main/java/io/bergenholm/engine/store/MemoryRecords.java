package io.bergenholm.engine.store;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.RecordStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** One collection of a {@link MemoryStore}. */
final class MemoryRecords<T> implements RecordStore<T> {
  private final RecordKind kind;
  private final AtomicLong changes;
  private final AtomicLong versions;
  private final ConcurrentSkipListMap<String, Versioned<T>> records = new ConcurrentSkipListMap<>();

  MemoryRecords(RecordKind kind, AtomicLong changes, AtomicLong versions) {
    this.kind = kind;
    this.changes = changes;
    this.versions = versions;
  }

  @Override
  public List<String> list() {
    return List.copyOf(records.keySet());
  }

  @Override
  public Optional<Versioned<T>> get(String name) {
    RecordNames.check(kind, name);
    return Optional.ofNullable(records.get(name));
  }

  @Override
  public Versioned<T> create(String name, T value) {
    RecordNames.check(kind, name);
    Versioned<T> created =
        new Versioned<>(name, Objects.requireNonNull(value, "value"), nextVersion());
    if (records.putIfAbsent(name, created) != null) {
      throw new AlreadyExistsException(kind, name);
    }
    changed();
    return created;
  }

  @Override
  public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
    RecordNames.check(kind, name);
    Objects.requireNonNull(value, "value");
    // A compare-and-set loop rather than compute(): the skip list may run a compute function more
    // than once, and the check must see exactly the record it replaces.
    while (true) {
      Versioned<T> current = records.get(name);
      if (current == null) {
        throw notFound(name);
      }
      checkVersion(name, current, ifVersion);
      Versioned<T> next = new Versioned<>(name, value, nextVersion());
      if (records.replace(name, current, next)) {
        changed();
        return next;
      }
    }
  }

  @Override
  public void delete(String name, Optional<String> ifVersion) {
    RecordNames.check(kind, name);
    while (true) {
      Versioned<T> current = records.get(name);
      if (current == null) {
        throw notFound(name);
      }
      checkVersion(name, current, ifVersion);
      if (records.remove(name, current)) {
        changed();
        return;
      }
    }
  }

  @Override
  public RecordKind kind() {
    return kind;
  }

  private NotFoundException notFound(String name) {
    return new NotFoundException(kind, name);
  }

  private void checkVersion(String name, Versioned<T> current, Optional<String> ifVersion) {
    if (ifVersion.isPresent() && !ifVersion.get().equals(current.version())) {
      throw new StaleVersionException(kind, name, ifVersion.get(), current.version());
    }
  }

  private String nextVersion() {
    return Long.toString(versions.incrementAndGet());
  }

  // Called after the record changed, so that a reader who saw the old stamp may have read either
  // record, and a reader who sees the new stamp reads the new one.
  private void changed() {
    changes.incrementAndGet();
  }
}
