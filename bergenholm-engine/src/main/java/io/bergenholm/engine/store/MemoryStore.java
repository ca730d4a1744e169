package io.bergenholm.engine.store;

import io.bergenholm.api.Params;
import io.bergenholm.api.RecordKind;
import io.bergenholm.api.event.BootEventSink;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.RecordStore;
import io.bergenholm.engine.event.MemoryEventSink;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store in memory: for embedding, tests and benchmarks. Thread-safe; every write is atomic and
 * conditional writes are exact, so it behaves as the durable stores do, minus the durability.
 */
public final class MemoryStore implements ParameterStore {
  private final AtomicLong changes = new AtomicLong();
  private final AtomicLong versions = new AtomicLong();
  private final MemoryRecords<Params> hosts =
      new MemoryRecords<>(RecordKind.HOST, changes, versions);
  private final MemoryRecords<Params> groups =
      new MemoryRecords<>(RecordKind.GROUP, changes, versions);
  private final MemoryRecords<String> templates =
      new MemoryRecords<>(RecordKind.TEMPLATE, changes, versions);

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

  private final MemoryEventSink events = new MemoryEventSink(500, 50_000);

  /** Its boot events, in bounded memory (500 per host, 50000 overall). */
  @Override
  public Optional<BootEventSink> events() {
    return Optional.of(events);
  }

  @Override
  public long changeStamp() {
    return changes.get();
  }
}
