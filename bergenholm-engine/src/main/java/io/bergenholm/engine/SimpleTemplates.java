package io.bergenholm.engine;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A fast path for the strings that make up nearly every parameter: text with {@code {{ name }}}
 * placeholders whose values are strings. For those, Jinja's output is plain substitution, so it is
 * done here without building a Jinjava interpreter; anything else (filters, tags, a value that is
 * not a string, an undefined name, a trailing newline, an output over the limit) returns null and
 * goes to the real renderer. Only used with the Jinjava renderer, whose output this matches (the
 * randomized expansion tests compare the two).
 */
final class SimpleTemplates {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Names that Jinja's expression language reads as something other than a variable. */
  private static final Set<String> RESERVED =
      Set.of(
          "true",
          "false",
          "null",
          "none",
          "True",
          "False",
          "None",
          "empty",
          "not",
          "and",
          "or",
          "div",
          "mod",
          "eq",
          "ne",
          "lt",
          "gt",
          "le",
          "ge",
          "instanceof",
          "in",
          "is",
          "if",
          "else",
          "loop",
          "self",
          "super",
          "caller",
          "varargs",
          "kwargs",
          "range");

  private static final Object NOT_SIMPLE = new Object();

  /** Longer texts are left to the renderer, so that the cache of compiled texts stays small. */
  private static final int MAX_TEXT_CHARS = 4096;

  private final long maxOutputChars;
  private final Cache<String, Object> compiled;

  SimpleTemplates(long maxOutputChars, int cacheSize) {
    this.maxOutputChars = maxOutputChars;
    this.compiled = CacheBuilder.newBuilder().maximumSize(cacheSize).build();
  }

  /** The rendering of {@code text}, or null if it is not a simple template. */
  String render(String text, Map<String, Object> context) {
    if (text.length() > MAX_TEXT_CHARS) {
      return null;
    }
    Object c = compiled.getIfPresent(text);
    if (c == null) {
      c = compile(text);
      compiled.put(text, c);
    }
    if (c == NOT_SIMPLE) {
      return null;
    }
    String[] parts = (String[]) c;
    // parts alternate: text, name, text, name, …, text
    StringBuilder out = new StringBuilder(text.length() + 64);
    for (int i = 0; i < parts.length; i++) {
      if ((i & 1) == 0) {
        out.append(parts[i]);
      } else if (context.get(parts[i]) instanceof String value) {
        out.append(value);
      } else {
        return null;
      }
      if (out.length() > maxOutputChars) {
        return null;
      }
    }
    return out.toString();
  }

  private static Object compile(String text) {
    if (text.endsWith("\n") || text.endsWith("\r")) {
      return NOT_SIMPLE;
    }
    List<String> parts = new ArrayList<>();
    int at = 0;
    while (true) {
      int open = text.indexOf("{{", at);
      String literal = open < 0 ? text.substring(at) : text.substring(at, open);
      if (literal.contains("{%") || literal.contains("{#") || literal.endsWith("{")) {
        return NOT_SIMPLE;
      }
      parts.add(literal);
      if (open < 0) {
        break;
      }
      int close = text.indexOf("}}", open + 2);
      if (close < 0) {
        return NOT_SIMPLE;
      }
      String name = text.substring(open + 2, close).strip();
      if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
        return NOT_SIMPLE;
      }
      parts.add(name);
      at = close + 2;
    }
    return parts.toArray(new String[0]);
  }
}
