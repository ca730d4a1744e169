package io.bergenholm.engine;

import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.render.RenderException;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where resolutions and renders run: threads of their own, apart from the transports' workers, each
 * job watched from outside the renderer. A job that runs past its deadline, or allocates more than
 * its memory bound, fails with an error naming what it rendered, and its thread is interrupted (the
 * renderer stops at its next template node) and left to end on its own.
 *
 * <p>Fairness: {@code threads} jobs run at once. A job still running after {@code slowMillis} gives
 * its place up to the next one and moves to one of {@code slowSlots} places for slow jobs, so that
 * a few slow renders never hold up the quick ones; only when the slow places are full too do new
 * jobs wait (at most {@code queueWait}, then "busy"). Concurrent calls for the same key share one
 * job.
 */
final class RenderWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RenderWorkers.class);
  private static final ThreadLocal<Boolean> INSIDE = new ThreadLocal<>();
  private static final com.sun.management.ThreadMXBean THREADS = threadBean();

  private final Semaphore places;
  private final Semaphore slowPlaces;
  private final int threads;
  private final long deadlineNanos;
  private final long slowNanos;
  private final long queueWaitMillis;
  private final long maxAllocatedBytes;
  private final ExecutorService pool;
  private final ScheduledExecutorService watchdog;
  private final Map<Object, Job<?>> running = new ConcurrentHashMap<>();

  RenderWorkers(
      int threads,
      int slowSlots,
      long deadlineMillis,
      long slowMillis,
      long queueWaitMillis,
      long maxAllocatedBytes) {
    this.threads = threads;
    this.places = new Semaphore(threads);
    this.slowPlaces = new Semaphore(slowSlots);
    this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
    this.slowNanos = TimeUnit.MILLISECONDS.toNanos(slowMillis);
    this.queueWaitMillis = queueWaitMillis;
    this.maxAllocatedBytes = maxAllocatedBytes;
    AtomicInteger n = new AtomicInteger();
    // Unbounded as an executor: the semaphores bound how many jobs run (threads + slow places).
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "bergenholm-render-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bergenholm-render-watchdog");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(5, Math.min(50, Math.min(slowMillis, deadlineMillis) / 4));
    watchdog.scheduleWithFixedDelay(this::watch, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Runs {@code work} on a render worker and waits for it; on a render worker already (a render
   * that resolves a host), runs it in place.
   *
   * @param key jobs with equal keys running at the same time are one job
   * @param what names the work in errors, such as {@code template 'ks' for host 'x'}
   * @param template the template name errors carry
   */
  <T> T call(Object key, String what, String template, Callable<T> work) {
    if (INSIDE.get() != null) {
      return callInPlace(work);
    }
    @SuppressWarnings("unchecked")
    Job<T> job = (Job<T>) running.computeIfAbsent(key, k -> new Job<>(k, what, template, work));
    if (job.started.compareAndSet(false, true)) {
      start(job);
    }
    try {
      return job.result.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for " + what);
    }
  }

  private static <T> T callInPlace(Callable<T> work) {
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private <T> void start(Job<T> job) {
    try {
      if (!places.tryAcquire(queueWaitMillis, TimeUnit.MILLISECONDS)) {
        finish(
            job,
            new UnavailableException(
                "all "
                    + threads
                    + " render workers are busy; "
                    + job.what
                    + " was not started, retry shortly"));
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finish(
          job,
          new UnavailableException(
              "interrupted while waiting for a render worker for " + job.what));
      return;
    }
    job.holdPlace(places);
    try {
      pool.execute(() -> run(job));
    } catch (RuntimeException e) {
      job.releasePlace();
      finish(
          job,
          new UnavailableException("no render worker for " + job.what + ": " + e.getMessage()));
    }
  }

  private <T> void run(Job<T> job) {
    job.thread = Thread.currentThread();
    job.allocatedAtStart = allocated(job.thread);
    job.startNanos = System.nanoTime();
    INSIDE.set(Boolean.TRUE);
    try {
      T value = job.work.call();
      job.result.complete(value);
    } catch (Throwable e) {
      job.result.completeExceptionally(e);
    } finally {
      INSIDE.remove();
      running.remove(job.key, job);
      job.thread = null;
      Thread.interrupted(); // a late interrupt from the watchdog must not reach the next job
      job.releasePlace();
    }
  }

  private void finish(Job<?> job, RuntimeException failure) {
    job.result.completeExceptionally(failure);
    running.remove(job.key, job);
  }

  /** Moves slow jobs aside and stops jobs past their deadline or memory bound. */
  private void watch() {
    long now = System.nanoTime();
    for (Job<?> job : running.values()) {
      Thread t = job.thread;
      if (t == null || job.result.isDone()) {
        continue;
      }
      long ran = now - job.startNanos;
      String stop = null;
      boolean byTime = false;
      if (ran > deadlineNanos) {
        // Wall-clock time, which a busy server stretches too: such a stop may not recur.
        byTime = true;
        stop =
            "took longer than "
                + TimeUnit.NANOSECONDS.toMillis(deadlineNanos)
                + " ms (render.deadline_ms)";
      } else if (maxAllocatedBytes > 0 && job.allocatedAtStart >= 0) {
        long used = allocated(t) - job.allocatedAtStart;
        if (used > maxAllocatedBytes) {
          stop =
              "allocated more than " + (maxAllocatedBytes >> 20) + " MiB (render.max_allocated_mb)";
        }
      }
      if (stop != null) {
        log.warn("stopping {}: it {}", job.what, stop);
        job.result.completeExceptionally(
            new RenderException(job.template, 0, job.what + " stopped: it " + stop, byTime));
        running.remove(job.key, job);
        t.interrupt();
      } else if (ran > slowNanos) {
        job.moveToSlowPlace(places, slowPlaces);
      }
    }
  }

  private static long allocated(Thread t) {
    if (THREADS == null) {
      return -1;
    }
    try {
      return THREADS.getThreadAllocatedBytes(t.getId());
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }

  private static com.sun.management.ThreadMXBean threadBean() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
        && bean.isThreadAllocatedMemorySupported()) {
      if (!bean.isThreadAllocatedMemoryEnabled()) {
        bean.setThreadAllocatedMemoryEnabled(true);
      }
      return bean;
    }
    return null;
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
    pool.shutdownNow();
  }

  private static final class Job<T> {
    final Object key;
    final String what;
    final String template;
    final Callable<T> work;
    final CompletableFuture<T> result = new CompletableFuture<>();
    final AtomicBoolean started = new AtomicBoolean();
    volatile Thread thread;
    volatile long startNanos;
    volatile long allocatedAtStart = -1;

    /** The semaphore whose permit this job holds, or null. */
    Semaphore place;

    Job(Object key, String what, String template, Callable<T> work) {
      this.key = key;
      this.what = what;
      this.template = template;
      this.work = work;
    }

    /** Hands the quick place to the next job, if a slow place is free; this one runs on in it. */
    synchronized void moveToSlowPlace(Semaphore quick, Semaphore slow) {
      if (place == quick && slow.tryAcquire()) {
        place = slow;
        quick.release();
      }
    }

    synchronized void holdPlace(Semaphore p) {
      place = p;
    }

    synchronized void releasePlace() {
      if (place != null) {
        place.release();
        place = null;
      }
    }
  }
}
