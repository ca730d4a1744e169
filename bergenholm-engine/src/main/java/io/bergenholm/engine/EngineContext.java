package io.bergenholm.engine;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.RecordNames;
import io.bergenholm.api.SecretsPolicy;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link ProviderContext} of one engine. The store is attached once it is open, so the store's
 * own provider sees no templates; the scheduler starts on first use and stops with the engine.
 */
final class EngineContext implements ProviderContext, AutoCloseable {
  private final SecretsPolicy secrets;
  private volatile ParameterStore store;
  private ScheduledThreadPoolExecutor scheduler;

  EngineContext(SecretsPolicy secrets) {
    this.secrets = secrets;
  }

  void attach(ParameterStore store) {
    this.store = store;
  }

  @Override
  public Optional<String> storedTemplate(String name) {
    ParameterStore s = store;
    if (s == null || !RecordNames.isValid(name)) {
      return Optional.empty();
    }
    return s.templates().get(name).map(Versioned::value);
  }

  @Override
  public synchronized ScheduledExecutorService scheduler() {
    if (scheduler == null) {
      AtomicInteger threads = new AtomicInteger();
      scheduler =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t =
                    new Thread(r, "bergenholm-provider-scheduler-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      scheduler.setRemoveOnCancelPolicy(true);
    }
    return scheduler;
  }

  @Override
  public SecretsPolicy secrets() {
    return secrets;
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
