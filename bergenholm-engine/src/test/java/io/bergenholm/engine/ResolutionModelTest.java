package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.render.TemplateRenderer;
import io.bergenholm.engine.render.JinjavaRendererProvider;
import io.bergenholm.engine.store.MemoryStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inheritance and expansion checked against a model written as plainly as possible: a recursive
 * walk that merges fresh maps (as the Python project did), then full passes that render every key
 * and every string through the renderer, at most ten. Random group graphs hold diamonds, cycles,
 * self-references, deep chains, missing groups, and lists and maps of templates.
 */
@Timeout(120)
class ResolutionModelTest {
  private static final int GRAPHS = 150;
  private static final int PASSES = 10;

  /** Values that refer to themselves double each pass; both sides give up past this length. */
  private static final int MAX_VALUE_CHARS = 4096;

  private final TemplateRenderer renderer =
      TestProviderContext.instantiate(new JinjavaRendererProvider(), Map.of());

  @Test
  void engineAgreesWithTheModelOnRandomGraphs() {
    long base = System.nanoTime();
    int agreedValues = 0;
    int agreedErrors = 0;
    for (int i = 0; i < GRAPHS; i++) {
      long seed = base + i;
      try {
        int[] outcome = checkGraph(seed);
        agreedValues += outcome[0];
        agreedErrors += outcome[1];
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
      }
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    assertThat(agreedValues).isGreaterThan(GRAPHS);
    assertThat(agreedErrors).isGreaterThan(GRAPHS / 20);
  }

  private int[] checkGraph(long seed) {
    Random rnd = new Random(seed);
    MemoryStore store = new MemoryStore();
    int groupCount = 2 + rnd.nextInt(12);
    // A quarter of the graphs are one long chain g0 → g1 → … (with extra random edges on top).
    boolean chain = rnd.nextInt(4) == 0;
    for (int g = 0; g < groupCount; g++) {
      Map<String, Object> record = record(rnd, groupCount, false);
      if (chain && g + 1 < groupCount) {
        List<String> parents = new ArrayList<>(List.of("g" + (g + 1)));
        parents.addAll(groupsOf(record));
        record.put("groups", parents);
      }
      store.groups().create("g" + g, Params.of(record));
    }
    int hostCount = 1 + rnd.nextInt(4);
    for (int h = 0; h < hostCount; h++) {
      store.hosts().create("h" + h, Params.of(record(rnd, groupCount, true)));
    }
    boolean register = rnd.nextBoolean();
    if (register) {
      store.hosts().create("register", Params.of(record(rnd, groupCount, true)));
    }
    int[] outcome = new int[2];
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(store)
            .setting(Bergenholm.MAX_PASSES, Integer.toString(PASSES))
            .setting(Bergenholm.MAX_VALUE_CHARS, Integer.toString(MAX_VALUE_CHARS))
            .setting(BootCredentials.SECRET, MODEL_SECRET)
            .build()) {
      credentialPlaceholder = engine.bootCredentials().placeholder();
      List<String> ids = new ArrayList<>(store.hosts().list());
      ids.add("unknown-" + rnd.nextInt(1000));
      for (String id : ids) {
        Map<String, Object> expected;
        try {
          expected = modelResolve(store, id);
        } catch (ModelFailure | BadInputException e) {
          assertThatThrownBy(() -> engine.resolveHost(id))
              .as("host %s: model failed with %s", id, e.getMessage())
              .isInstanceOf(BadInputException.class);
          outcome[1]++;
          continue;
        }
        assertThat(engine.resolveHost(id).params().asMap()).as("host %s", id).isEqualTo(expected);
        assertThat(engine.resolveHost(id).known()).isEqualTo(store.hosts().get(id).isPresent());
        outcome[0]++;
      }
      for (String g : store.groups().list()) {
        Map<String, Object> expected;
        try {
          expected = modelGroup(store, g);
        } catch (ModelFailure e) {
          assertThatThrownBy(() -> engine.resolveGroup(g)).isInstanceOf(BadInputException.class);
          continue;
        }
        assertThat(engine.resolveGroup(g).asMap()).as("group %s", g).isEqualTo(expected);
      }
    }
    return outcome;
  }

  // ---- the generator ----

  private static final String[] KEYS = {"a", "b", "c", "d", "e", "f", "url", "name"};

  private static Map<String, Object> record(Random rnd, int groupCount, boolean host) {
    Map<String, Object> m = new LinkedHashMap<>();
    int groups = rnd.nextInt(host ? 4 : 3);
    if (groups > 0 || rnd.nextInt(5) == 0) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < groups; i++) {
        // Mostly existing groups; sometimes one that does not exist.
        names.add(
            rnd.nextInt(40) == 0 ? "missing" + rnd.nextInt(3) : "g" + rnd.nextInt(groupCount));
      }
      m.put("groups", names.size() == 1 && rnd.nextBoolean() ? names.get(0) : names);
    }
    int params = rnd.nextInt(5);
    for (int i = 0; i < params; i++) {
      String key = KEYS[rnd.nextInt(KEYS.length)];
      if (rnd.nextInt(30) == 0) {
        key = "{{ name }}_key";
      }
      m.put(key, value(rnd, 0));
    }
    return m;
  }

  private static Object value(Random rnd, int depth) {
    int kind = rnd.nextInt(depth > 1 ? 8 : 11);
    return switch (kind) {
      case 0 -> "lit" + rnd.nextInt(10);
      case 1, 2 -> "{{" + ref(rnd) + "}}";
      case 3 -> "pre-{{ " + ref(rnd) + " }}/{{" + ref(rnd) + "}}-post";
      case 4 -> "http://${uuid}/{{" + ref(rnd) + "}}";
      case 5 -> "{{ " + ref(rnd) + "|upper }}";
      case 6 -> "{% if " + ref(rnd) + " %}yes-{{ " + ref(rnd) + " }}{% else %}no{% endif %}";
      case 7 -> rnd.nextBoolean() ? (Object) (long) rnd.nextInt(100) : (Object) rnd.nextBoolean();
      case 8 -> {
        List<Object> l = new ArrayList<>();
        for (int i = rnd.nextInt(3); i >= 0; i--) {
          l.add(value(rnd, depth + 1));
        }
        yield l;
      }
      default -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(3); i >= 0; i--) {
          m.put(rnd.nextInt(6) == 0 ? "k{{ " + ref(rnd) + " }}" : "k" + i, value(rnd, depth + 1));
        }
        yield m;
      }
    };
  }

  private static String ref(Random rnd) {
    int r = rnd.nextInt(KEYS.length + 2);
    return r < KEYS.length ? KEYS[r] : r == KEYS.length ? "uuid" : "undefined_one";
  }

  // ---- the model ----

  private static final class ModelFailure extends RuntimeException {
    ModelFailure(String message) {
      super(message);
    }
  }

  private static Map<String, Object> own(MemoryStore store, String group) {
    return store
        .groups()
        .get(group)
        .orElseThrow(() -> new ModelFailure("no group " + group))
        .value()
        .asMap();
  }

  /**
   * Python's get_group_params: returns the merged params of {@code names}, extending {@code seen}.
   */
  private static Map<String, Object> groupParams(
      MemoryStore store, List<String> names, List<String> seen) {
    Map<String, Object> merged = new LinkedHashMap<>();
    for (String name : names) {
      if (seen.contains(name)) {
        continue;
      }
      seen.add(name);
      Map<String, Object> params = own(store, name);
      Map<String, Object> inherited = groupParams(store, groupsOf(params), seen);
      merged.putAll(inherited);
      merged.putAll(params);
    }
    return merged;
  }

  @SuppressWarnings("unchecked")
  private static List<String> groupsOf(Map<String, Object> params) {
    Object g = params.get("groups");
    if (g == null) {
      return List.of();
    }
    return g instanceof String s ? List.of(s) : (List<String>) g;
  }

  private static Map<String, Object> modelGroup(MemoryStore store, String name) {
    return groupParams(store, List.of(name), new ArrayList<>());
  }

  private static final String MODEL_SECRET = "model-secret-model-secret-model-secret";

  /**
   * What the resolution holds for the computed boot credential: the engine's stand-in, replaced by
   * a credential only as a text is served (BootCredentialsTest covers that).
   */
  private String credentialPlaceholder;

  private Map<String, Object> modelResolve(MemoryStore store, String id) {
    Map<String, Object> host =
        new LinkedHashMap<>(
            store
                .hosts()
                .get(id)
                .or(() -> store.hosts().get("register"))
                .map(v -> v.value().asMap())
                .orElse(Map.of()));
    host.put("uuid", id);
    host.put("boot_token", credentialPlaceholder);
    List<String> seen = new ArrayList<>();
    Map<String, Object> params = groupParams(store, groupsOf(host), seen);
    params.putAll(host);
    params.put("groups", seen);
    params = Params.of(params).asMap();
    for (int pass = 0; pass < PASSES; pass++) {
      Map<String, Object> next = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : params.entrySet()) {
        next.put(checked(renderer.render("k", e.getKey(), params)), render(e.getValue(), params));
      }
      if (next.equals(params)) {
        if (holdsMarkup(params)) {
          throw new ModelFailure("settled with markup left: a cycle");
        }
        return params;
      }
      params = next;
    }
    throw new ModelFailure("did not settle in " + PASSES + " passes");
  }

  private Object render(Object v, Map<String, Object> ctx) {
    if (v instanceof String s) {
      return checked(renderer.render("v", s, ctx));
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(render(o, ctx));
      }
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(checked(renderer.render("k", (String) e.getKey(), ctx)), render(e.getValue(), ctx));
      }
      return out;
    }
    return v;
  }

  private static String checked(String rendered) {
    if (rendered.length() > MAX_VALUE_CHARS) {
      throw new ModelFailure("a value grew past " + MAX_VALUE_CHARS + " characters");
    }
    return rendered;
  }

  private boolean holdsMarkup(Object v) {
    if (v instanceof String s) {
      return renderer.hasMarkup(s);
    }
    if (v instanceof List<?> l) {
      return l.stream().anyMatch(this::holdsMarkup);
    }
    if (v instanceof Map<?, ?> m) {
      return m.keySet().stream().anyMatch(this::holdsMarkup)
          || m.values().stream().anyMatch(this::holdsMarkup);
    }
    return false;
  }
}
