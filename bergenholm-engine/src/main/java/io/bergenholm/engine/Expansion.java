package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.render.TemplateRenderer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * "Parameters in parameters": every key and every string value (inside lists and maps too) is
 * rendered against the parameters of the previous pass, pass after pass, until a pass changes
 * nothing, exactly as the Python project did. Strings without markup are skipped: they are their
 * own rendering.
 *
 * <p>Unlike the Python project, which stopped silently after ten passes, a result that still holds
 * markup (keys that refer to each other) or that does not settle (a value that keeps growing) is an
 * error naming the keys.
 */
final class Expansion {
  private final TemplateRenderer renderer;
  private final SimpleTemplates simple;
  private final int maxPasses;
  private final int maxValueChars;
  private final boolean factsAreData;

  Expansion(
      TemplateRenderer renderer,
      SimpleTemplates simple,
      int maxPasses,
      int maxValueChars,
      boolean factsAreData) {
    this.renderer = renderer;
    this.simple = simple;
    this.maxPasses = maxPasses;
    this.maxValueChars = maxValueChars;
    this.factsAreData = factsAreData;
  }

  /**
   * The machine facts ({@link Facts#NAMES}) that the host record itself holds: they are data, never
   * rendered. One that holds markup or a control character fails the host, since its value would be
   * rendered by the next pass once another value refers to it.
   */
  private Set<String> literalKeys(Inheritance.Merged merged) {
    if (!factsAreData) {
      return Set.of();
    }
    Set<String> literal = null;
    for (Map.Entry<String, Object> e : merged.params().entrySet()) {
      String key = e.getKey();
      String source = merged.sources().get(key);
      if (!Facts.isFact(key) || source == null || !source.startsWith("host:")) {
        continue;
      }
      String problem = Facts.literalProblem(e.getValue());
      if (problem != null) {
        throw new BadInputException(
            who(merged)
                + ": parameter '"
                + key
                + "' of "
                + source(merged, key)
                + " is a machine fact, used as data, but "
                + problem
                + "; correct the host record");
      }
      if (literal == null) {
        literal = new HashSet<>();
      }
      literal.add(key);
    }
    return literal == null ? Set.of() : literal;
  }

  /**
   * The expanded parameters.
   *
   * @param origins if not null, filled with each final key's key before expansion
   */
  Map<String, Object> expand(Inheritance.Merged merged, Map<String, String> origins) {
    Map<String, Object> current = merged.params();
    Map<String, String> origin = null;
    if (origins != null) {
      origin = new HashMap<>();
      for (String k : current.keySet()) {
        origin.put(k, k);
      }
    }
    Set<String> literal = literalKeys(merged);
    Set<String> changedKeys = Set.of();
    for (int pass = 0; pass < maxPasses; pass++) {
      Map<String, Object> next = new LinkedHashMap<>(current.size() * 4 / 3 + 1);
      Map<String, String> nextOrigin = origin == null ? null : new HashMap<>();
      Set<String> changed = new TreeSet<>();
      for (Map.Entry<String, Object> e : current.entrySet()) {
        String key = e.getKey();
        String from = origin == null ? key : origin.get(key);
        boolean data = literal.contains(from);
        String newKey = data ? key : string(key, current, merged, from, true);
        Object value = data ? e.getValue() : value(e.getValue(), current, merged, from);
        if (!newKey.equals(key) || value != e.getValue() || next.containsKey(newKey)) {
          changed.add(newKey);
        }
        next.put(newKey, value);
        if (nextOrigin != null) {
          nextOrigin.put(newKey, from);
        }
      }
      if (changed.isEmpty()) {
        checkSettled(current, merged, origin, literal);
        if (origins != null) {
          origins.putAll(origin);
        }
        return current;
      }
      current = next;
      origin = nextOrigin;
      changedKeys = changed;
    }
    throw new BadInputException(
        who(merged)
            + ": parameters "
            + changedKeys
            + " still change after "
            + maxPasses
            + " expansion passes (a reference cycle, or a value that grows each pass)");
  }

  private Object value(Object v, Map<String, Object> ctx, Inheritance.Merged merged, String from) {
    if (v instanceof String s) {
      return string(s, ctx, merged, from, false);
    }
    if (v instanceof List<?> list) {
      List<Object> copy = null;
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        Object expanded = value(item, ctx, merged, from);
        if (expanded != item && copy == null) {
          copy = new ArrayList<>(list.subList(0, i));
        }
        if (copy != null) {
          copy.add(expanded);
        }
      }
      return copy == null ? v : Collections.unmodifiableList(copy);
    }
    if (v instanceof Map<?, ?> map) {
      boolean same = true;
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String k = (String) e.getKey();
        String nk = string(k, ctx, merged, from, true);
        Object nv = value(e.getValue(), ctx, merged, from);
        same &= nk.equals(k) && nv == e.getValue() && !copy.containsKey(nk);
        copy.put(nk, nv);
      }
      return same ? v : Collections.unmodifiableMap(copy);
    }
    return v;
  }

  /** Renders one string; returns the same instance when the rendering equals it. */
  private String string(
      String s, Map<String, Object> ctx, Inheritance.Merged merged, String from, boolean isKey) {
    if (!renderer.hasMarkup(s)) {
      return s;
    }
    String out = simple == null ? null : simple.render(s, ctx);
    if (out == null) {
      String what =
          (isKey ? "a key inside parameter '" : "parameter '")
              + from
              + "' of "
              + source(merged, from);
      out = renderer.render(what, s, ctx);
    }
    if (out.length() > maxValueChars && out.length() > s.length()) {
      // A value that refers to itself doubles with every pass; say so rather than wait for the
      // renderer's output limit.
      throw new BadInputException(
          who(merged)
              + ": parameter '"
              + from
              + "' of "
              + source(merged, from)
              + " grew past "
              + maxValueChars
              + " characters during expansion (a reference cycle?)");
    }
    return out.equals(s) ? s : out;
  }

  private void checkSettled(
      Map<String, Object> params,
      Inheritance.Merged merged,
      Map<String, String> origin,
      Set<String> literal) {
    Set<String> stuck = new TreeSet<>();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String from = origin == null ? e.getKey() : origin.getOrDefault(e.getKey(), e.getKey());
      if (renderer.hasMarkup(e.getKey()) || !literal.contains(from) && holdsMarkup(e.getValue())) {
        stuck.add(e.getKey());
      }
    }
    if (!stuck.isEmpty()) {
      List<String> described = new ArrayList<>();
      for (String k : stuck) {
        String from = origin == null ? k : origin.getOrDefault(k, k);
        described.add("'" + k + "' (" + source(merged, from) + ")");
      }
      throw new BadInputException(
          who(merged)
              + ": parameter reference cycle: "
              + String.join(", ", described)
              + " still refer to each other after expansion");
    }
  }

  private boolean holdsMarkup(Object v) {
    if (v instanceof String s) {
      return renderer.hasMarkup(s);
    }
    if (v instanceof List<?> list) {
      for (Object item : list) {
        if (holdsMarkup(item)) {
          return true;
        }
      }
    } else if (v instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (renderer.hasMarkup((String) e.getKey()) || holdsMarkup(e.getValue())) {
          return true;
        }
      }
    }
    return false;
  }

  private static String source(Inheritance.Merged merged, String key) {
    String s = merged.sources().get(key);
    if (s == null) {
      return who(merged);
    }
    if (s.startsWith("host:")) {
      return "host '" + s.substring(5) + "'";
    }
    if (s.startsWith("group:")) {
      return "group '" + s.substring(6) + "'";
    }
    return who(merged);
  }

  private static String who(Inheritance.Merged merged) {
    return merged.known()
        ? "host '" + merged.hostId() + "'"
        : "host '" + merged.hostId() + "' (resolved through host 'register')";
  }
}
