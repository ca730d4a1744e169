package io.bergenholm.samples.embedding;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The embedding tool's own store: its inventory, kept in memory behind one lock. A real tool would
 * read and write its own database here; what matters to Bergenholm is only the {@link
 * ParameterStore} contract (this class passes the same contract suite as the built-in stores).
 */
public final class InventoryStore implements ParameterStore {
  private final Object lock = new Object();
  private long writes; // guarded by lock; also the version of the record last written
  private final Collection<Params> hosts = new Collection<>(RecordKind.HOST);
  private final Collection<Params> groups = new Collection<>(RecordKind.GROUP);
  private final Collection<String> templates = new Collection<>(RecordKind.TEMPLATE);

  @Override
  public RecordStore<Params> hosts() {
    return hosts;
  }

  @Override
  public RecordStore<Params> groups() {
    return groups;
  }

  @Override
  public RecordStore<String> templates() {
    return templates;
  }

  @Override
  public long changeStamp() {
    synchronized (lock) {
      return writes;
    }
  }

  private final class Collection<T> implements RecordStore<T> {
    private final RecordKind kind;
    private final TreeMap<String, Versioned<T>> records = new TreeMap<>(); // guarded by lock

    Collection(RecordKind kind) {
      this.kind = kind;
    }

    @Override
    public RecordKind kind() {
      return kind;
    }

    @Override
    public List<String> list() {
      synchronized (lock) {
        return new ArrayList<>(records.keySet());
      }
    }

    @Override
    public Optional<Versioned<T>> get(String name) {
      RecordNames.check(kind, name);
      synchronized (lock) {
        return Optional.ofNullable(records.get(name));
      }
    }

    @Override
    public Versioned<T> create(String name, T value) {
      RecordNames.check(kind, name);
      Objects.requireNonNull(value, "value");
      synchronized (lock) {
        if (records.containsKey(name)) {
          throw new AlreadyExistsException(kind, name);
        }
        return write(name, value);
      }
    }

    @Override
    public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
      RecordNames.check(kind, name);
      Objects.requireNonNull(value, "value");
      synchronized (lock) {
        current(name, ifVersion);
        return write(name, value);
      }
    }

    @Override
    public void delete(String name, Optional<String> ifVersion) {
      RecordNames.check(kind, name);
      synchronized (lock) {
        current(name, ifVersion);
        records.remove(name);
        writes++;
      }
    }

    /** The record, checked against the version the caller expects. Under the lock. */
    private Versioned<T> current(String name, Optional<String> ifVersion) {
      Versioned<T> current = records.get(name);
      if (current == null) {
        throw new NotFoundException(kind, name);
      }
      if (ifVersion.isPresent() && !ifVersion.get().equals(current.version())) {
        throw new StaleVersionException(kind, name, ifVersion.get(), current.version());
      }
      return current;
    }

    /** Under the lock. */
    private Versioned<T> write(String name, T value) {
      writes++;
      Versioned<T> v = new Versioned<>(name, value, "w" + writes);
      records.put(name, v);
      return v;
    }
  }
}
