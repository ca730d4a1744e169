package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.Params;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.api.render.TemplateRenderer;
import io.bergenholm.engine.render.JinjavaRenderer;
import io.bergenholm.engine.render.RenderLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Renders run on watched workers: a render past its deadline is stopped from outside the renderer,
 * a slow render holds up no other host, and a failure is not rendered again until the store
 * changes.
 */
class RenderIsolationTest {
  /** Loops far beyond any deadline; only the worker's watchdog stops it. */
  static final String ENDLESS =
      "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
          + "{% set x = i + j + k %}{% endfor %}{% endfor %}{% endfor %}done";

  /**
   * The renderer's own node and time budgets, and the engine's allocation bound (the endless loop
   * allocates hundreds of MiB a second on a fast machine), are lifted, so that the engine's
   * deadline is what stops a render.
   */
  private static Map<String, String> config(String deadlineMs) {
    return Map.of(
        "store",
        "memory:",
        "renderer.max_nodes",
        "4000000000",
        "renderer.timeout_ms",
        "600000",
        Bergenholm.RENDER_DEADLINE_MS,
        deadlineMs,
        Bergenholm.RENDER_MAX_ALLOCATED_MB,
        "1048576");
  }

  private static void seed(Bergenholm engine, int slowHosts) {
    engine.createTemplate("slow.ipxe", ENDLESS);
    engine.createTemplate("quick.ipxe", "#!ipxe\necho {{ uuid }}\n");
    for (int i = 0; i < slowHosts; i++) {
      engine.createHost(slow(i), Params.of(Map.of("ipxe_script", "slow.ipxe")));
    }
    engine.createHost("quick", Params.of(Map.of("ipxe_script", "quick.ipxe")));
  }

  /** Jinjava, with {@code before} called with the template's name ahead of each render. */
  private static TemplateRenderer jinjavaAfter(java.util.function.Consumer<String> before) {
    JinjavaRenderer jinjava =
        new JinjavaRenderer(false, RenderLimits.DEFAULT, name -> Optional.empty());
    return new TemplateRenderer() {
      @Override
      public String render(String name, String text, Map<String, ?> variables) {
        before.accept(name);
        return jinjava.render(name, text, variables);
      }

      @Override
      public boolean hasMarkup(String text) {
        return jinjava.hasMarkup(text);
      }
    };
  }

  static String slow(int i) {
    return String.format("5105%04d-0000-4000-8000-000000000000", i);
  }

  @Test
  void aRenderPastItsDeadlineFailsNamingHostAndTemplate() {
    try (Bergenholm engine = Bergenholm.builder().config(config("1500")).build()) {
      seed(engine, 1);
      assertThatThrownBy(() -> engine.ipxeScript(slow(0)))
          .isInstanceOf(RenderException.class)
          .hasMessageContaining("template 'slow.ipxe'")
          .hasMessageContaining("host '" + slow(0) + "'")
          .hasMessageContaining("took longer than 1500 ms");
      // The stopped thread ends (it checks its interrupt at every template node) and frees its
      // place.
      assertThat(waitForIdleRenderThreads(Duration.ofSeconds(20)))
          .as("render threads still busy")
          .isTrue();
      assertThat(engine.ipxeScript("quick")).isEqualTo("#!ipxe\necho quick");
    }
  }

  /**
   * A busy server stretches a render past its wall-clock deadline without the template being costly
   * (a cold start while a rack powers on): such a stop must not be remembered until the store
   * changes, or the host would fail every boot until someone edits a record. It is remembered for
   * {@code render.retry_stopped_ms}, then rendered again. The first render here waits, as one
   * starved of CPU does.
   */
  @Test
  void aRenderStoppedByItsDeadlineIsRenderedAgainAfterTheRetryTime() throws Exception {
    AtomicInteger renders = new AtomicInteger();
    TemplateRenderer starvedOnce =
        jinjavaAfter(
            name -> {
              if (name.equals("starved.ipxe") && renders.incrementAndGet() == 1) {
                try {
                  Thread.sleep(60_000);
                } catch (InterruptedException e) {
                  throw new RenderException(name, 0, "interrupted");
                }
              }
            });
    Map<String, String> config = new java.util.HashMap<>(config("500"));
    config.put(Bergenholm.RENDER_RETRY_STOPPED_MS, "1500");
    try (Bergenholm engine = Bergenholm.builder().config(config).renderer(starvedOnce).build()) {
      engine.createTemplate("starved.ipxe", "#!ipxe\necho {{ uuid }}\n");
      engine.createHost("h", Params.of(Map.of("ipxe_script", "starved.ipxe")));

      assertThatThrownBy(() -> engine.ipxeScript("h"))
          .isInstanceOfSatisfying(RenderException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("template 'starved.ipxe' for host 'h' stopped")
          .hasMessageContaining("took longer than 500 ms");
      long stopped = System.nanoTime();
      // Within the retry time the failure is answered from memory, without rendering.
      assertThatThrownBy(() -> engine.ipxeScript("h")).hasMessageContaining("took longer than");
      assertThat(renders).hasValue(1);

      Thread.sleep(Math.max(0, 1600 - (System.nanoTime() - stopped) / 1_000_000));
      assertThat(engine.ipxeScript("h")).isEqualTo("#!ipxe\necho h");
      assertThat(renders).hasValue(2);
    }
  }

  @Test
  void aRenderThatAllocatesTooMuchIsStopped() {
    Map<String, String> config = new java.util.HashMap<>(config("600000"));
    config.put(Bergenholm.RENDER_MAX_ALLOCATED_MB, "64");
    try (Bergenholm engine = Bergenholm.builder().config(config).build()) {
      seed(engine, 1);
      assertThatThrownBy(() -> engine.ipxeScript(slow(0)))
          .isInstanceOf(RenderException.class)
          .hasMessageContaining("host '" + slow(0) + "'")
          .hasMessageContaining("allocated more than 64 MiB");
    }
  }

  @Test
  void fourSlowRendersInFlightDoNotHoldUpAQuickOne() throws Exception {
    try (Bergenholm engine = Bergenholm.builder().config(config("15000")).build()) {
      seed(engine, 4);
      List<CompletableFuture<String>> slow = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        slow.add(CompletableFuture.supplyAsync(() -> engine.ipxeScript(slow(n))));
      }
      assertThat(waitForBusyRenderThreads(4, Duration.ofSeconds(20)))
          .as("four slow renders running")
          .isTrue();
      String quick = engine.ipxeScript("quick");
      assertThat(quick).isEqualTo("#!ipxe\necho quick");
      assertThat(slow)
          .as("the quick render answered before any slow one ended")
          .noneMatch(CompletableFuture::isDone);
      for (int i = 0; i < 4; i++) {
        // Stopped by the deadline or, on a fast machine, by the allocation bound first.
        assertThat(slow.get(i))
            .failsWithin(60, TimeUnit.SECONDS)
            .withThrowableThat()
            .withMessageContaining("template 'slow.ipxe' for host '" + slow(i) + "' stopped: it");
      }
    }
  }

  @Test
  void aFailedRenderIsRememberedUntilTheStoreChanges() {
    AtomicInteger renders = new AtomicInteger();
    TemplateRenderer counting = jinjavaAfter(name -> renders.incrementAndGet());
    try (Bergenholm engine =
        Bergenholm.builder().config(Map.of("store", "memory:")).renderer(counting).build()) {
      engine.createTemplate("bad.ipxe", "{{ 1.5|round(10000000) }}");
      engine.createHost("h", Params.of(Map.of("ipxe_script", "bad.ipxe")));
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> engine.ipxeScript("h"))
            .hasMessageContaining("round() precision 10000000");
      }
      assertThat(renders).hasValue(1);
      engine.createHost("other", Params.of(Map.of()));
      assertThatThrownBy(() -> engine.ipxeScript("h")).hasMessageContaining("round() precision");
      assertThat(renders).hasValue(2);
    }
  }

  @Test
  void concurrentCallsForOneRenderShareIt() throws Exception {
    try (Bergenholm engine = Bergenholm.builder().config(config("3000")).build()) {
      seed(engine, 1);
      List<CompletableFuture<String>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> engine.ipxeScript(slow(0))));
      }
      assertThat(waitForBusyRenderThreads(1, Duration.ofSeconds(20))).isTrue();
      assertThat(busyRenderThreads()).as("one render for six callers").isEqualTo(1);
      for (CompletableFuture<String> f : calls) {
        assertThat(f).failsWithin(60, TimeUnit.SECONDS);
      }
    }
  }

  static boolean waitForBusyRenderThreads(int n, Duration max) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      if (busyRenderThreads() >= n) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  static boolean waitForIdleRenderThreads(Duration max) {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      if (busyRenderThreads() == 0) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Render threads that are running a template (not parked waiting for work). */
  static long busyRenderThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(
            e ->
                e.getKey().getName().startsWith("bergenholm-render-")
                    && !e.getKey().getName().endsWith("watchdog"))
        .filter(e -> e.getKey().getState() == Thread.State.RUNNABLE)
        .filter(
            e ->
                List.of(e.getValue()).stream()
                    .anyMatch(f -> f.getClassName().startsWith("com.hubspot.jinjava")))
        .count();
  }
}
