package io.bergenholm.netboot.http;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workers that run engine calls: a FIFO fork-join pool (its threads spin briefly before
 * parking, which makes the hand-off from the event loop cheap under load) with a bound on the calls
 * running or waiting, beyond which a call is refused so that the server answers 503 instead of
 * queueing without end.
 */
final class BoundedExecutor implements Executor, AutoCloseable {
  private final ForkJoinPool pool;
  private final AtomicInteger admitted = new AtomicInteger();
  private final int limit;

  BoundedExecutor(int threads, int queue) {
    this.limit = threads + queue;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ForkJoinPool(
            threads,
            p -> {
              var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
              t.setName("bergenholm-http-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            null,
            true);
  }

  @Override
  public void execute(Runnable task) {
    if (admitted.incrementAndGet() > limit) {
      admitted.decrementAndGet();
      throw new RejectedExecutionException("all " + limit + " worker slots are taken");
    }
    try {
      pool.execute(
          () -> {
            try {
              task.run();
            } finally {
              admitted.decrementAndGet();
            }
          });
    } catch (RejectedExecutionException e) {
      admitted.decrementAndGet();
      throw e;
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
