package io.bergenholm.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable JSON object: the parameters of a host or a group, stored or resolved.
 *
 * <p>Values form a closed set of plain Java types, so that they can be handed to a template engine
 * as they are: {@link String}, {@link Boolean}, {@link Long}, {@link BigInteger}, {@link Double},
 * {@link BigDecimal}, {@code null} (JSON null), an unmodifiable {@link List} of values and an
 * unmodifiable {@link Map} from {@link String} to values. Key order is kept. {@link #of} converts
 * other integer and floating types and copies collections; anything else is a {@link
 * BadInputException}.
 */
public final class Params {
  /** Documents nested deeper than this are refused, so that no caller can exhaust the stack. */
  public static final int MAX_DEPTH = 64;

  /** The parameter that lists a record's groups. */
  public static final String GROUPS = "groups";

  /** The parameters of a record that has none. */
  public static final Params EMPTY = new Params(Collections.emptyMap());

  private final Map<String, Object> values;

  private Params(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Copies and checks {@code map}; see the class comment for the accepted value types.
   *
   * @param map the parameters, in the order to keep
   * @return an immutable copy in canonical form
   * @throws BadInputException if a value has a type outside the accepted set or nests too deep
   */
  public static Params of(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    return new Params(copyMap(map, 1));
  }

  /**
   * Converts a single value to its canonical, immutable form (see the class comment).
   *
   * @param value a scalar, list or map
   * @return the canonical form of {@code value}
   * @throws BadInputException if {@code value} has a type outside the accepted set
   */
  public static Object normalize(Object value) {
    return copyValue(value, 1);
  }

  private static Map<String, Object> copyMap(Map<?, ?> map, int depth) {
    if (depth > MAX_DEPTH) {
      throw new BadInputException("parameters are nested deeper than " + MAX_DEPTH + " levels");
    }
    Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 4 / 3 + 1));
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new BadInputException("parameter names must be strings, not " + e.getKey());
      }
      copy.put(key, copyValue(e.getValue(), depth + 1));
    }
    return Collections.unmodifiableMap(copy);
  }

  private static Object copyValue(Object v, int depth) {
    if (v == null
        || v instanceof String
        || v instanceof Boolean
        || v instanceof Long
        || v instanceof Double
        || v instanceof BigDecimal) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }
    if (v instanceof Map<?, ?> m) {
      return copyMap(m, depth);
    }
    if (v instanceof List<?> l) {
      if (depth > MAX_DEPTH) {
        throw new BadInputException("parameters are nested deeper than " + MAX_DEPTH + " levels");
      }
      List<Object> copy = new ArrayList<>(l.size());
      for (Object item : l) {
        copy.add(copyValue(item, depth + 1));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new BadInputException(
        "unsupported parameter value of type " + v.getClass().getName() + ": " + v);
  }

  /**
   * The value of a parameter.
   *
   * @param key the parameter's name
   * @return its value, empty if it is absent or JSON null
   */
  public Optional<Object> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /**
   * The value of a parameter if it is a string.
   *
   * @param key the parameter's name
   * @return its value, empty if it is absent or not a string
   */
  public Optional<String> string(String key) {
    return values.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /**
   * Whether a parameter is present (with any value, JSON null included).
   *
   * @param key the parameter's name
   * @return true if it is present
   */
  public boolean contains(String key) {
    return values.containsKey(key);
  }

  /**
   * @return the parameter names, in order
   */
  public Set<String> keys() {
    return values.keySet();
  }

  /**
   * @return how many parameters there are
   */
  public int size() {
    return values.size();
  }

  /**
   * @return true if there are no parameters
   */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /**
   * An unmodifiable view in key order, ready to be a template context.
   *
   * @return the parameters as a map
   */
  public Map<String, Object> asMap() {
    return values;
  }

  /**
   * The record's {@code groups}: a list of names, a single string counting as a one-element list,
   * an absent or null value as none.
   *
   * @return the group names, in order
   * @throws BadInputException if {@code groups} holds anything but strings
   */
  public List<String> groups() {
    Object g = values.get(GROUPS);
    if (g == null) {
      return List.of();
    }
    if (g instanceof String s) {
      return List.of(s);
    }
    if (g instanceof List<?> l) {
      List<String> names = new ArrayList<>(l.size());
      for (Object item : l) {
        if (!(item instanceof String s)) {
          throw new BadInputException("'groups' must list group names (strings), found " + item);
        }
        names.add(s);
      }
      return Collections.unmodifiableList(names);
    }
    throw new BadInputException("'groups' must be a list of group names, found " + g);
  }

  /**
   * A copy with {@code key} set to {@code value} (normalized), kept in place if it existed.
   *
   * @param key the parameter's name
   * @param value its new value
   * @return the copy
   */
  public Params with(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.put(Objects.requireNonNull(key, "key"), normalize(value));
    return new Params(Collections.unmodifiableMap(copy));
  }

  /**
   * A copy without {@code key}.
   *
   * @param key the parameter's name
   * @return the copy, or this when the parameter is absent
   */
  public Params without(String key) {
    if (!values.containsKey(key)) {
      return this;
    }
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.remove(key);
    return new Params(Collections.unmodifiableMap(copy));
  }

  /**
   * Whether every criterion matches this record's own value: a scalar whose text equals the
   * criterion, or a list holding such a scalar (as a MongoDB equality query matches arrays). This
   * is the exact-match filter of {@code GET /api/1.0/hosts/?key=value}.
   *
   * @param criteria parameter names and the text their values must have
   * @return true if every criterion matches
   */
  public boolean matches(Map<String, String> criteria) {
    for (Map.Entry<String, String> c : criteria.entrySet()) {
      if (!valueMatches(values.get(c.getKey()), c.getValue(), values.containsKey(c.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean valueMatches(Object value, String wanted, boolean present) {
    if (!present) {
      return false;
    }
    if (value instanceof List<?> list) {
      for (Object item : list) {
        if (!(item instanceof List) && !(item instanceof Map) && scalarText(item).equals(wanted)) {
          return true;
        }
      }
      return false;
    }
    return !(value instanceof Map) && scalarText(value).equals(wanted);
  }

  private static String scalarText(Object scalar) {
    return scalar == null ? "null" : scalar.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Params p && values.equals(p.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
