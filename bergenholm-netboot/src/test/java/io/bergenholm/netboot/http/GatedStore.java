package io.bergenholm.netboot.http;

import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real (memory) store behind a switch, standing in for a database that goes away or hangs: the
 * tests need the failure on demand, which a real remote store cannot give on loopback.
 */
final class GatedStore implements ParameterStore {
  private final ParameterStore real;
  volatile boolean down;

  /** While set, every call waits for it (at most 20 s), like a hung database connection. */
  volatile CountDownLatch hang;

  GatedStore(ParameterStore real) {
    this.real = real;
  }

  private void gate() {
    if (down) {
      throw new UnavailableException("store is unreachable: connection refused (test switch)");
    }
    CountDownLatch h = hang;
    if (h != null) {
      try {
        h.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private <T> RecordStore<T> gated(RecordStore<T> r) {
    return new RecordStore<>() {
      @Override
      public List<String> list() {
        gate();
        return r.list();
      }

      @Override
      public Optional<Versioned<T>> get(String name) {
        gate();
        return r.get(name);
      }

      @Override
      public Versioned<T> create(String name, T value) {
        gate();
        return r.create(name, value);
      }

      @Override
      public Versioned<T> replace(String name, T value, Optional<String> ifVersion) {
        gate();
        return r.replace(name, value, ifVersion);
      }

      @Override
      public void delete(String name, Optional<String> ifVersion) {
        gate();
        r.delete(name, ifVersion);
      }

      @Override
      public RecordKind kind() {
        return r.kind();
      }
    };
  }

  @Override
  public RecordStore<Params> hosts() {
    return gated(real.hosts());
  }

  @Override
  public RecordStore<Params> groups() {
    return gated(real.groups());
  }

  @Override
  public RecordStore<String> templates() {
    return gated(real.templates());
  }

  @Override
  public long changeStamp() {
    gate();
    return real.changeStamp();
  }
}
