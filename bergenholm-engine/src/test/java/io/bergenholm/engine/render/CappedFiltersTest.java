package io.bergenholm.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.render.RenderException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Filters whose cost grows with an argument are refused beyond their caps, before they run. */
class CappedFiltersTest {
  private final JinjavaRenderer renderer =
      new JinjavaRenderer(false, RenderLimits.DEFAULT, name -> Optional.empty());

  private String render(String template) {
    return renderer.render("t", template, Map.of("n", 3));
  }

  @Test
  void argumentsWithinTheCapsWorkAsInJinja() {
    assertThat(render("{{ 2.71828|round(3) }}")).isEqualTo("2.718");
    assertThat(render("{{ 1.5|round(" + CappedFilters.MAX_PRECISION + ")|string|length > 2 }}"))
        .isEqualTo("true");
    assertThat(render("{{ 27|root(3) }}")).isEqualTo("3.0");
    assertThat(render("{{ [1, 2, 3, 4]|batch(2)|list }}")).isEqualTo("[[1, 2], [3, 4]]");
    assertThat(render("{{ 'a-b-c'|replace('-', '::') }}")).isEqualTo("a::b::c");
    assertThat(render("{{ 'a-b-c'|replace('-', '', 1) }}")).isEqualTo("ab-c");
  }

  @Test
  void roundWithAHugePrecisionIsRefusedAtOnce() {
    assertThatThrownBy(() -> render("{{ 1.5|round(10000000) }}"))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("round() precision 10000000 is above the limit of 32");
  }

  @Test
  void rootAndBatchAreCapped() {
    assertThatThrownBy(() -> render("{{ 10|root(100000000) }}"))
        .hasMessageContaining("root() degree 100000000");
    assertThatThrownBy(() -> render("{{ [1]|batch(10000000, 'x')|length }}"))
        .hasMessageContaining("batch() size 10000000 is above the collection limit");
  }

  /** The 671M-character string: refused before it is built, and the heap is intact. */
  @Test
  void replaceOverDoubledStringsFailsCleanlyBeforeItAllocates() {
    String doubling =
        "{% set a = '"
            + "x".repeat(64)
            + "' %}{% for i in range(8) %}"
            + "{% set a = a|replace('x', a) %}{% endfor %}{{ a|length }}";
    Runtime rt = Runtime.getRuntime();
    assertThatThrownBy(() -> render(doubling))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("replace() would build")
        .hasMessageContaining("more than the limit of " + RenderLimits.DEFAULT.maxOutputChars());
    System.gc();
    assertThat(rt.totalMemory() - rt.freeMemory())
        .as("heap in use after the refused render")
        .isLessThan(rt.maxMemory() / 2);
    assertThat(render("{{ 'ok'|upper }}")).isEqualTo("OK");
  }

  @Test
  void replacedLengthCountsLikePython() {
    assertThat(CappedFilters.replacedLength("aaa", "a", "bb", null)).isEqualTo(6);
    assertThat(CappedFilters.replacedLength("aaa", "a", "bb", "2")).isEqualTo(5);
    assertThat(CappedFilters.replacedLength("abc", "", "-", null)).isEqualTo(7);
    assertThat(CappedFilters.replacedLength("aaaa", "aa", "", null)).isEqualTo(0);
  }
}
