package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.BergenholmException;
import io.bergenholm.api.Params;
import io.bergenholm.engine.store.MemoryStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caching engine answers exactly as an engine without caches, whatever was written in between:
 * through the engine, or straight to the store behind its back.
 */
@Timeout(60)
class CacheCorrectnessTest {
  private static final int STEPS = 1500;

  @Test
  void cachedAnswersEqualFreshAnswersAfterAnyWrite() {
    long seed = System.nanoTime();
    try {
      run(seed);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
    }
  }

  private static void run(long seed) {
    Random rnd = new Random(seed);
    MemoryStore store = new MemoryStore();
    store.templates().create("t.ipxe", "#!ipxe\nkernel {{ kernel }} {{ opts }}");
    store
        .templates()
        .create("u.ipxe", "#!ipxe\n{% if extra is defined %}{{ extra }}{% endif %} {{ uuid }}");
    for (int g = 0; g < 4; g++) {
      store.groups().create("g" + g, group(rnd));
    }
    for (int h = 0; h < 4; h++) {
      store.hosts().create("h" + h, host(rnd));
    }
    store.hosts().create("register", host(rnd));
    try (Bergenholm cached = Bergenholm.builder().store(store).build();
        Bergenholm fresh =
            Bergenholm.builder().store(store).setting(Bergenholm.CACHE_ENABLED, "false").build()) {
      for (int step = 0; step < STEPS; step++) {
        Bergenholm writer = rnd.nextBoolean() ? cached : null; // null: straight to the store
        switch (rnd.nextInt(8)) {
          case 0 -> {
            String g = "g" + rnd.nextInt(4);
            if (writer != null) {
              writer.replaceGroup(g, group(rnd), Optional.empty());
            } else {
              store.groups().replace(g, group(rnd), Optional.empty());
            }
          }
          case 1 -> {
            String h = "h" + rnd.nextInt(6);
            Params p = host(rnd);
            if (store.hosts().get(h).isPresent()) {
              if (rnd.nextInt(4) == 0) {
                store.hosts().delete(h, Optional.empty());
              } else if (writer != null) {
                writer.replaceHost(h, p, Optional.empty());
              } else {
                store.hosts().replace(h, p, Optional.empty());
              }
            } else {
              store.hosts().create(h, p);
            }
          }
          case 2 -> {
            String text = "#!ipxe\nkernel {{ kernel }} v" + rnd.nextInt(100);
            if (writer != null) {
              writer.replaceTemplate("t.ipxe", text, Optional.empty());
            } else {
              store.templates().replace("t.ipxe", text, Optional.empty());
            }
          }
          case 3 -> {
            String h = "h" + rnd.nextInt(6);
            if (store.hosts().get(h).isPresent()) {
              cached.markInstalled(h, rnd.nextBoolean());
            }
          }
          default -> {
            String id = "h" + rnd.nextInt(6);
            assertThat(answer(() -> cached.ipxeScript(id)))
                .as("step %d script of %s", step, id)
                .isEqualTo(answer(() -> fresh.ipxeScript(id)));
            assertThat(answer(() -> cached.resolveHost(id).params()))
                .as("step %d params of %s", step, id)
                .isEqualTo(answer(() -> fresh.resolveHost(id).params()));
            assertThat(answer(() -> cached.renderTemplate("u.ipxe", id)))
                .as("step %d u.ipxe of %s", step, id)
                .isEqualTo(answer(() -> fresh.renderTemplate("u.ipxe", id)));
          }
        }
      }
    }
  }

  /** The value, or the error's message, so that failures compare too. */
  private static Object answer(java.util.function.Supplier<Object> call) {
    try {
      return call.get();
    } catch (BergenholmException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static Params group(Random rnd) {
    return Params.of(
        Map.of(
            "groups",
            List.of("g" + rnd.nextInt(4)),
            "kernel",
            "http://m{{ mirror }}/vmlinuz-" + rnd.nextInt(5),
            "mirror",
            Integer.toString(rnd.nextInt(5)),
            "ipxe_script",
            rnd.nextInt(5) == 0 ? "u.ipxe" : "t.ipxe"));
  }

  private static Params host(Random rnd) {
    return rnd.nextInt(6) == 0
        ? Params.of(Map.of("groups", List.of("g" + rnd.nextInt(4)), "extra", "x" + rnd.nextInt(9)))
        : Params.of(
            Map.of(
                "groups", List.of("g" + rnd.nextInt(4)), "opts", "o{{ mirror }}" + rnd.nextInt(9)));
  }
}
