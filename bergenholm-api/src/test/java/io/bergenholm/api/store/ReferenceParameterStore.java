package io.bergenholm.api.store;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simplest correct store: sorted concurrent maps in memory. It exists to show that {@link
 * ParameterStoreContract} asks for nothing a correct store cannot do; it is not a product store.
 * Two instances made with {@link #sharing} see the same records, like two servers on one database.
 */
final class ReferenceParameterStore implements ParameterStore {
  private final Data data;

  private static final class Data {
    final AtomicLong clock = new AtomicLong();
    final ConcurrentSkipListMap<String, Versioned<Params>> hosts = new ConcurrentSkipListMap<>();
    final ConcurrentSkipListMap<String, Versioned<Params>> groups = new ConcurrentSkipListMap<>();
    final ConcurrentSkipListMap<String, Versioned<String>> templates =
        new ConcurrentSkipListMap<>();
  }

  ReferenceParameterStore() {
    this(new Data());
  }

  private ReferenceParameterStore(Data data) {
    this.data = data;
  }

  /** Another instance over the same records. */
  ReferenceParameterStore sharing() {
    return new ReferenceParameterStore(data);
  }

  @Override
  public RecordStore<Params> hosts() {
    return new Records<>(RecordKind.HOST, data.hosts, data.clock);
  }

  @Override
  public RecordStore<Params> groups() {
    return new Records<>(RecordKind.GROUP, data.groups, data.clock);
  }

  @Override
  public RecordStore<String> templates() {
    return new Records<>(RecordKind.TEMPLATE, data.templates, data.clock);
  }

  @Override
  public long changeStamp() {
    return data.clock.get();
  }

  private record Records<T>(
      RecordKind kind, ConcurrentSkipListMap<String, Versioned<T>> map, AtomicLong clock)
      implements RecordStore<T> {
    @Override
    public List<String> list() {
      return List.copyOf(map.keySet());
    }

    @Override
    public Optional<Versioned<T>> get(String name) {
      return Optional.ofNullable(map.get(RecordNames.check(kind, name)));
    }

    @Override
    public Versioned<T> create(String name, T value) {
      Versioned<T> v = next(RecordNames.check(kind, name), value);
      if (map.putIfAbsent(name, v) != null) {
        throw new AlreadyExistsException(kind, name);
      }
      return v;
    }

    @Override
    public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
      RecordNames.check(kind, name);
      Objects.requireNonNull(value, "value");
      Versioned<T>[] result = newArray();
      map.compute(
          name,
          (n, current) -> {
            if (current == null) {
              throw notFound(name);
            }
            checkVersion(current, ifVersion);
            return result[0] = next(name, value);
          });
      return result[0];
    }

    @Override
    public void delete(String name, Optional<String> ifVersion) {
      RecordNames.check(kind, name);
      map.compute(
          name,
          (n, current) -> {
            if (current == null) {
              throw notFound(name);
            }
            checkVersion(current, ifVersion);
            clock.incrementAndGet();
            return null;
          });
    }

    private void checkVersion(Versioned<T> current, Optional<String> ifVersion) {
      if (ifVersion.isPresent() && !ifVersion.get().equals(current.version())) {
        throw new StaleVersionException(kind, current.name(), ifVersion.get(), current.version());
      }
    }

    private Versioned<T> next(String name, T value) {
      return new Versioned<>(
          name, Objects.requireNonNull(value, "value"), Long.toString(clock.incrementAndGet()));
    }

    @SuppressWarnings("unchecked")
    private Versioned<T>[] newArray() {
      return (Versioned<T>[]) new Versioned<?>[1];
    }

    @Override
    public RecordKind kind() {
      return kind;
    }

    private NotFoundException notFound(String name) {
      return new NotFoundException(kind, name);
    }
  }
}
