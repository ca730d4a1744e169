package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The machine facts that {@code /ipxe/register} takes from an unauthenticated request. They are
 * data: registration accepts only short values of a plain character set, and expansion never
 * renders a fact stored on a host record (see {@link #literalProblem}).
 *
 * <p>A fact is at most {@value #MAX_CHARS} characters of letters, digits, marks, spaces and {@code
 * - _ . , : / ( ) + @ # * = ~ [ ] ! ?}; {@code hostname} is stricter: letters, digits, {@code -}
 * and {@code .}, at most 253 characters. Nothing that opens template markup ({@code { } %}), no
 * quote, backslash, dollar, semicolon, pipe or angle bracket (a fact may land in a kickstart line
 * or a shell), no control character.
 */
public final class Facts {
  /** The facts registration keeps, in this order. */
  public static final List<String> NAMES =
      List.of("manufacturer", "product", "serial", "asset", "hostname");

  /** The key registration adds, so that an operator sees where the facts came from. */
  public static final String REGISTERED_BY = "registered_by";

  /** Its value. */
  public static final String SELF_REGISTRATION =
      "self-registration: unauthenticated facts sent by the machine; verify them before assigning groups";

  public static final int MAX_CHARS = 128;
  private static final int MAX_HOSTNAME = 253;
  private static final String PUNCTUATION = "-_.,:/()+@#*=~[]!? ";
  private static final Set<String> KEYS = Set.copyOf(NAMES);

  private Facts() {}

  static boolean isFact(String key) {
    return KEYS.contains(key);
  }

  /**
   * The facts to store: known names only, empty values dropped, every value checked.
   *
   * @throws BadInputException naming the first fact that is not allowed and why
   */
  public static Map<String, String> check(Map<String, String> facts) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : NAMES) {
      String v = facts.get(name);
      if (v == null || v.isBlank()) {
        continue;
      }
      String problem = problem(name, v);
      if (problem != null) {
        throw new BadInputException(
            "registration fact '" + name + "' " + quote(v) + " is not allowed: " + problem);
      }
      out.put(name, v.strip());
    }
    return out;
  }

  private static String problem(String name, String v) {
    boolean hostname = name.equals("hostname");
    int max = hostname ? MAX_HOSTNAME : MAX_CHARS;
    if (v.length() > max) {
      return "it is longer than " + max + " characters";
    }
    for (int i = 0; i < v.length(); ) {
      int cp = v.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == 0xFFFD) {
        return "it is not valid UTF-8";
      }
      if (Character.isISOControl(cp)) {
        return "it contains a control character (code " + cp + ")";
      }
      boolean ok =
          hostname
              ? cp < 128 && (Character.isLetterOrDigit(cp) || cp == '-' || cp == '.')
              : Character.isLetterOrDigit(cp)
                  || Character.getType(cp) == Character.NON_SPACING_MARK
                  || (cp < 128 && PUNCTUATION.indexOf(cp) >= 0);
      if (!ok) {
        return "character '"
            + new String(Character.toChars(cp))
            + "' is not allowed in "
            + (hostname
                ? "a hostname (letters, digits, '-', '.')"
                : "a fact (letters, digits, spaces and " + PUNCTUATION.strip() + ")");
      }
    }
    return null;
  }

  /**
   * Why a fact stored on a host record cannot be used as data, or null: it holds template markup or
   * a control character. Expansion refuses such a host rather than let the value reach another
   * value's rendering, where the next pass would run it.
   */
  static String literalProblem(Object value) {
    if (value instanceof String s) {
      if (s.contains("{{") || s.contains("{%") || s.contains("{#")) {
        return "it holds template markup";
      }
      for (int i = 0; i < s.length(); i++) {
        if (Character.isISOControl(s.charAt(i))) {
          return "it holds a control character (code " + (int) s.charAt(i) + ")";
        }
      }
      return null;
    }
    if (value instanceof List<?> list) {
      for (Object item : list) {
        String p = literalProblem(item);
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String p = literalProblem(e.getKey());
        if (p == null) {
          p = literalProblem(e.getValue());
        }
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  /** A value as an error message may show it: at most 40 characters, control characters escaped. */
  static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("'");
    value
        .codePoints()
        .limit(40)
        .forEach(
            cp -> {
              if (Character.isISOControl(cp) || cp == 0xFFFD) {
                b.append(String.format("\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.append(value.codePointCount(0, value.length()) > 40 ? "…'" : "'").toString();
  }
}
