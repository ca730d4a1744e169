package io.bergenholm.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.render.RenderException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class JinjavaRendererTest {
  private final JinjavaRenderer lenient =
      (JinjavaRenderer) TestProviderContext.instantiate(new JinjavaRendererProvider(), Map.of());

  /** The lenient renderer with includes served from {@code templates}. */
  private JinjavaRenderer withTemplates(TemplateSource templates) {
    return new JinjavaRenderer(lenient.strict(), lenient.limits(), templates);
  }

  @Test
  void rendersVariablesAndLeavesIpxeSyntaxAlone() {
    String out =
        lenient.render(
            "t",
            "kernel {{ipxe_url}}/kernel/${uuid} {{ opts }}",
            Map.of("ipxe_url", "http://h/ipxe", "opts", "quiet"));
    assertThat(out).isEqualTo("kernel http://h/ipxe/kernel/${uuid} quiet");
  }

  @Test
  void undefinedVariableIsEmptyWhenLenientAndAnErrorWhenStrict() {
    assertThat(lenient.render("t", "a{{ missing }}b", Map.of())).isEqualTo("ab");
    JinjavaRenderer strict =
        (JinjavaRenderer)
            TestProviderContext.instantiate(
                new JinjavaRendererProvider(), Map.of("strict", "true"));
    assertThatThrownBy(() -> strict.render("kick.ks", "line one\nurl {{ missing }}\n", Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template 'kick.ks' line 2")
        .hasMessageContaining("missing");
  }

  @Test
  void syntaxErrorNamesTemplateAndLine() {
    assertThatThrownBy(
            () -> lenient.render("linux.ipxe", "#!ipxe\n\n{% if x %}\nboot\n", Map.of("x", "1")))
        .isInstanceOf(RenderException.class)
        .satisfies(e -> assertThat(((RenderException) e).template()).isEqualTo("linux.ipxe"))
        .hasMessageContaining("template 'linux.ipxe' line");
  }

  @Test
  void stripsOneTrailingNewlineAsJinjaDoes() {
    assertThat(lenient.render("t", "boot\n\n", Map.of())).isEqualTo("boot\n");
    assertThat(lenient.render("t", "boot\r\n", Map.of())).isEqualTo("boot");
    assertThat(lenient.render("t", "{{ x }}", Map.of("x", "value\n"))).isEqualTo("value\n");
  }

  @Test
  void loopsOverContextListsAndMaps() {
    String out =
        lenient.render(
            "t",
            "{% for m in mods %}{{ loop.index }}={{ m }};{% endfor %}{{ d.k }}",
            Map.of("mods", List.of("a", "b"), "d", Map.of("k", "v")));
    assertThat(out).isEqualTo("1=a;2=b;v");
  }

  @Test
  void hugeLoopIsStopped() {
    assertThatThrownBy(
            () -> lenient.render("loop", "{% for i in range(100000000) %}x{% endfor %}", Map.of()))
        .isInstanceOf(RenderException.class);
  }

  @Test
  void nestedLoopsAreStopped() {
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                lenient.render(
                    "nested",
                    "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
                        + "{% endfor %}{% endfor %}{% endfor %}",
                    Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template 'nested'");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  /**
   * The time limit is wall-clock time, which a busy server stretches too: its failure says the same
   * render may succeed later. The node limit is the template's own doing and says it will not.
   */
  @Test
  void aTimeLimitStopIsRetryableAndANodeLimitStopIsNot() {
    String nested =
        "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
            + "{% endfor %}{% endfor %}{% endfor %}";
    JinjavaRenderer timed =
        new JinjavaRenderer(
            false,
            new RenderLimits(1 << 20, Long.MAX_VALUE, Duration.ofMillis(300), 10_000, 10, 10_000),
            name -> Optional.empty());
    assertThatThrownBy(() -> timed.render("slow", nested, Map.of()))
        .isInstanceOfSatisfying(
            RenderException.class, e -> assertThat(e.retryable()).as(e.getMessage()).isTrue())
        .hasMessageContaining("took longer than the time limit");

    JinjavaRenderer counted =
        new JinjavaRenderer(
            false,
            new RenderLimits(1 << 20, 10_000, Duration.ofMinutes(10), 10_000, 10, 10_000),
            name -> Optional.empty());
    assertThatThrownBy(() -> counted.render("many", nested, Map.of()))
        .isInstanceOfSatisfying(
            RenderException.class, e -> assertThat(e.retryable()).as(e.getMessage()).isFalse())
        .hasMessageContaining("evaluated more than 10000 template nodes");
  }

  @Test
  void giantOutputIsStopped() {
    assertThatThrownBy(
            () ->
                lenient.render(
                    "big",
                    "{% for i in range(9000) %}{{ x }}{% endfor %}",
                    Map.of("x", "y".repeat(1000))))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template 'big'");
  }

  @Test
  void stringBlowUpIsStopped() {
    assertThatThrownBy(
            () ->
                lenient.render(
                    "blowup",
                    "{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
                    Map.of()))
        .isInstanceOf(RenderException.class);
  }

  @Test
  void sizeArgumentsCannotBuildHugeStrings() {
    for (String hostile :
        List.of(
            "{{ 'x'|center(2000000000) }}",
            "{{ '%0999999999d'|format(1) }}",
            "{{ 'x'|indent(2000000000, true) }}",
            "{{ 'x' * 2000000000 }}")) {
      assertThatThrownBy(() -> lenient.render("size", "a\n" + hostile, Map.of()))
          .as(hostile)
          .isInstanceOf(RenderException.class)
          .hasMessageContaining("template 'size'");
    }
  }

  @Test
  void deepRecursionIsStopped() {
    assertThatThrownBy(
            () ->
                lenient.render(
                    "rec", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template 'rec'");
  }

  @Test
  void javaObjectsAreUnreachable() {
    for (String hostile :
        List.of(
            "{{ ''.getClass() }}",
            "{{ ''.class }}",
            "{{ ''.getClass().forName('java.lang.Runtime') }}",
            "{{ x.getClass().getClassLoader() }}",
            "{{ x.class.name }}",
            "{{ x.bytes }}",
            "{{ x.toUpperCase() }}",
            "{{ n.getClass() }}",
            "{{ m.getClass() }}",
            "{{ l.getClass() }}",
            "{% for i in range(1) %}{{ loop.getClass() }}{% endfor %}",
            "{% for i in range(1) %}{{ loop.class }}{% endfor %}")) {
      Map<String, Object> ctx =
          Map.of("x", "text", "n", 5L, "m", Map.of("k", "v"), "l", List.of("a"));
      String out;
      try {
        out = lenient.render("hostile", hostile, ctx);
      } catch (RenderException e) {
        continue;
      }
      assertThat(out)
          .as(hostile)
          .doesNotContain("java.")
          .doesNotContain("class")
          .doesNotContain("TEXT")
          .doesNotContain("[B@");
    }
  }

  @Test
  void includeReachesStoredTemplatesOnly() {
    assertThatThrownBy(() -> lenient.render("inc", "{% include '/etc/passwd' %}", Map.of()))
        .isInstanceOf(RenderException.class);
    JinjavaRenderer withStore =
        withTemplates(
            name -> name.equals("part") ? Optional.of("part says {{ x }}") : Optional.empty());
    assertThat(withStore.render("main", "[{% include 'part' %}]", Map.of("x", "hi")))
        .isEqualTo("[part says hi]");
    for (String path :
        List.of(
            "/etc/passwd",
            "../../../../etc/passwd",
            "file:///etc/passwd",
            "http://127.0.0.1:1/x",
            "META-INF/MANIFEST.MF")) {
      assertThatThrownBy(() -> withStore.render("inc", "{% include '" + path + "' %}", Map.of()))
          .as(path)
          .isInstanceOf(RenderException.class);
      assertThatThrownBy(
              () -> withStore.render("imp", "{% import '" + path + "' as m %}", Map.of()))
          .as(path)
          .isInstanceOf(RenderException.class);
      assertThatThrownBy(
              () ->
                  withStore.render("from", "{% from '" + path + "' import m %}{{ m() }}", Map.of()))
          .as(path)
          .isInstanceOf(RenderException.class);
      assertThatThrownBy(() -> withStore.render("ext", "{% extends '" + path + "' %}", Map.of()))
          .as(path)
          .isInstanceOf(RenderException.class);
    }
  }

  @Test
  void aStoreOutageDuringAnIncludeIsUnavailableNotABadTemplate() {
    JinjavaRenderer withStore =
        withTemplates(
            name -> {
              throw new UnavailableException("store down while reading " + name);
            });
    assertThatThrownBy(() -> withStore.render("main", "a{% include 'part' %}b", Map.of()))
        .isInstanceOf(UnavailableException.class)
        .hasMessage("store down while reading part");
    assertThatThrownBy(() -> withStore.render("main", "{% include 'part' %}", Map.of()))
        .isInstanceOf(UnavailableException.class);
    // A template without includes does not touch the store.
    assertThat(withStore.render("plain", "x{{ 1 + 1 }}", Map.of())).isEqualTo("x2");
  }

  @Test
  void selfIncludeIsStopped() {
    JinjavaRenderer withStore =
        withTemplates(
            name -> name.equals("me") ? Optional.of("x{% include 'me' %}") : Optional.empty());
    assertThatThrownBy(() -> withStore.render("me", "x{% include 'me' %}", Map.of()))
        .isInstanceOf(RenderException.class);
  }

  @Test
  void concurrentRendersWithIncludesAgree() throws Exception {
    JinjavaRenderer withStore =
        withTemplates(
            name ->
                name.startsWith("part")
                    ? Optional.of(name + ":{% for i in range(3) %}{{ i }}{{ x }}{% endfor %}")
                    : Optional.empty());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 100; i++) {
                    String x = thread + "-" + i;
                    String part = "part" + (i % 7);
                    assertThat(
                            withStore.render(
                                "main", "[{% include '" + part + "' %}]", Map.of("x", x)))
                        .isEqualTo("[" + part + ":0" + x + "1" + x + "2" + x + "]");
                  }
                }));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        f.get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void markupDetection() {
    assertThat(lenient.hasMarkup("http://x/${uuid}")).isFalse();
    assertThat(lenient.hasMarkup("{ not }")).isFalse();
    assertThat(lenient.hasMarkup("a{{b}}")).isTrue();
    assertThat(lenient.hasMarkup("{% if %}")).isTrue();
    assertThat(lenient.hasMarkup("{# c #}")).isTrue();
  }
}
