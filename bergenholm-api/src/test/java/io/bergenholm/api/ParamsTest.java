package io.bergenholm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class ParamsTest {
  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  @Test
  void numbersBecomeTheirCanonicalTypes() {
    Params p =
        Params.of(
            map(
                "int",
                1,
                "short",
                (short) 2,
                "byte",
                (byte) 3,
                "long",
                4L,
                "float",
                1.5f,
                "double",
                2.5,
                "small big integer",
                BigInteger.valueOf(-7),
                "long-sized big integer",
                BigInteger.valueOf(Long.MIN_VALUE),
                "big integer",
                BigInteger.TWO.pow(63),
                "decimal",
                new BigDecimal("0.10")));
    assertThat(p.get("int")).contains(1L);
    assertThat(p.get("short")).contains(2L);
    assertThat(p.get("byte")).contains(3L);
    assertThat(p.get("long")).contains(4L);
    assertThat(p.get("float")).contains(1.5);
    assertThat(p.get("double")).contains(2.5);
    assertThat(p.get("small big integer")).contains(-7L);
    assertThat(p.get("long-sized big integer")).contains(Long.MIN_VALUE);
    assertThat(p.get("big integer")).contains(BigInteger.TWO.pow(63));
    assertThat(p.get("decimal")).contains(new BigDecimal("0.10"));
  }

  @Test
  void keyOrderIsKeptAndTheCopyIsImmutableAndIndependent() {
    List<Object> inner = new ArrayList<>(List.of("x"));
    Map<String, Object> source = map("z", 1L, "a", 2L, "m", inner);
    Params p = Params.of(source);
    source.put("late", true);
    inner.add("y");
    assertThat(List.copyOf(p.keys())).containsExactly("z", "a", "m");
    assertThat(p.get("m")).contains(List.of("x"));
    assertThatThrownBy(() -> p.asMap().put("k", "v"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<?>) p.get("m").orElseThrow()).clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void unsupportedValuesAndKeysAreBadInput() {
    assertThatThrownBy(() -> Params.of(map("when", new java.util.Date())))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("java.util.Date");
    Map<Object, Object> nonStringKey = new LinkedHashMap<>();
    nonStringKey.put(1, "x");
    assertThatThrownBy(() -> Params.of(map("m", nonStringKey)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("strings");
    assertThatThrownBy(() -> Params.of(map("set", java.util.Set.of("a"))))
        .isInstanceOf(BadInputException.class);
  }

  @Test
  void nestingUpToMaxDepthIsAcceptedAndDeeperIsRefused() {
    // The top-level object is level 1, so MAX_DEPTH - 1 further containers reach the limit.
    assertThat(Params.of(map("v", nestedMaps(Params.MAX_DEPTH - 1)))).isNotNull();
    assertThat(Params.of(map("v", nestedLists(Params.MAX_DEPTH - 1)))).isNotNull();
    assertThatThrownBy(() -> Params.of(map("v", nestedMaps(Params.MAX_DEPTH))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(Integer.toString(Params.MAX_DEPTH));
    assertThatThrownBy(() -> Params.of(map("v", nestedLists(Params.MAX_DEPTH))))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> Params.of(map("v", nestedLists(100_000))))
        .isInstanceOf(BadInputException.class);
  }

  private static Object nestedMaps(int levels) {
    Object inner = "bottom";
    for (int i = 0; i < levels; i++) {
      inner = map("k", inner);
    }
    return inner;
  }

  private static Object nestedLists(int levels) {
    Object inner = "bottom";
    for (int i = 0; i < levels; i++) {
      inner = List.of(inner);
    }
    return inner;
  }

  @Test
  void groupsAcceptsAListAStringOrNothing() {
    assertThat(Params.of(map("groups", List.of("a", "b"))).groups()).containsExactly("a", "b");
    assertThat(Params.of(map("groups", "a")).groups()).containsExactly("a");
    assertThat(Params.of(map("groups", null)).groups()).isEmpty();
    assertThat(Params.EMPTY.groups()).isEmpty();
    assertThatThrownBy(() -> Params.of(map("groups", List.of("a", 1L))).groups())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("groups");
    assertThatThrownBy(() -> Params.of(map("groups", 5L)).groups())
        .isInstanceOf(BadInputException.class);
  }

  @Test
  void withAndWithoutCopy() {
    Params p = Params.of(map("a", 1L, "b", 2L));
    Params q = p.with("a", 10).with("c", List.of(1));
    assertThat(List.copyOf(q.keys())).containsExactly("a", "b", "c");
    assertThat(q.get("a")).contains(10L);
    assertThat(q.get("c")).contains(List.of(1L));
    assertThat(p.get("a")).contains(1L);
    assertThat(q.without("b").keys()).containsExactly("a", "c");
    assertThat(p.without("missing")).isSameAs(p);
    assertThat(p.string("a")).isEmpty();
    assertThat(Params.of(map("s", "x")).string("s")).contains("x");
    assertThat(p.get("missing")).isEqualTo(Optional.empty());
  }

  @Test
  void matchesComparesTheTextOfScalarsAndListMembers() {
    Params p =
        Params.of(
            map(
                "groups",
                List.of("centos6", "centos.amd64", List.of("nested")),
                "os",
                "linux",
                "n",
                5L,
                "x",
                1.5,
                "flag",
                true,
                "nothing",
                null,
                "map",
                map("k", "v"),
                "big",
                BigInteger.TWO.pow(70)));
    assertThat(p.matches(Map.of())).isTrue();
    assertThat(p.matches(Map.of("groups", "centos6"))).isTrue();
    assertThat(p.matches(Map.of("groups", "centos.amd64", "os", "linux"))).isTrue();
    assertThat(p.matches(Map.of("groups", "centos7"))).isFalse();
    assertThat(p.matches(Map.of("groups", "nested"))).isFalse();
    assertThat(p.matches(Map.of("groups", "[nested]"))).isFalse();
    assertThat(p.matches(Map.of("os", "Linux"))).isFalse();
    assertThat(p.matches(Map.of("n", "5"))).isTrue();
    assertThat(p.matches(Map.of("n", "5.0"))).isFalse();
    assertThat(p.matches(Map.of("x", "1.5"))).isTrue();
    assertThat(p.matches(Map.of("flag", "true"))).isTrue();
    assertThat(p.matches(Map.of("nothing", "null"))).isTrue();
    assertThat(p.matches(Map.of("missing", "null"))).isFalse();
    assertThat(p.matches(Map.of("map", "{k=v}"))).isFalse();
    assertThat(p.matches(Map.of("big", BigInteger.TWO.pow(70).toString()))).isTrue();
    assertThat(p.matches(Map.of("os", "linux", "n", "6"))).isFalse();
    assertThat(Params.of(map("l", Collections.singletonList(null))).matches(Map.of("l", "null")))
        .isTrue();
  }

  @Test
  void equalityIsByContent() {
    assertThat(Params.of(map("a", 1, "b", List.of(2))))
        .isEqualTo(Params.of(map("a", 1L, "b", List.of(2L))))
        .hasSameHashCodeAs(Params.of(map("a", 1L, "b", List.of(2L))));
    assertThat(Params.of(map("a", 1L))).isNotEqualTo(Params.of(map("a", 1.0)));
    assertThat(Params.of(map("a", 1L))).isNotEqualTo(Params.of(map("a", "1")));
  }
}
