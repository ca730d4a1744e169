package io.bergenholm.api;

import java.nio.charset.StandardCharsets;

/**
 * The one rule for host ids, group names and template names, shared by every store so that a record
 * that one store accepts can move to another.
 *
 * <p>A name is 1 to 255 bytes of UTF-8, does not start with a dot (which also rules out {@code .}
 * and {@code ..}), and holds no {@code /}, no {@code \}, and no control character (NUL included).
 * Everything else is allowed: spaces, colons, {@code @}, {@code $}, non-ASCII letters.
 */
public final class RecordNames {
  /** The longest name, in bytes of UTF-8. */
  public static final int MAX_BYTES = 255;

  private RecordNames() {}

  /**
   * Checks a name against the rule.
   *
   * @param kind the kind of record the name is for, named in the message
   * @param name the name to check
   * @return {@code name}, if it is allowed
   * @throws BadInputException saying why, if it is not
   */
  public static String check(RecordKind kind, String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new BadInputException(
          kind.singular() + " name " + quote(name) + " is not allowed: " + problem);
    }
    return name;
  }

  /**
   * Whether a name is allowed.
   *
   * @param name the name to check
   * @return true if {@link #check} would accept it
   */
  public static boolean isValid(String name) {
    return problem(name) == null;
  }

  private static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "it is empty";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "it is longer than " + MAX_BYTES + " bytes";
    }
    if (name.charAt(0) == '.') {
      return "it starts with a dot";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\') {
        return "it contains '" + c + "'";
      }
      if (Character.isISOControl(c)) {
        return "it contains a control character (code " + (int) c + ")";
      }
    }
    return null;
  }

  private static String quote(String name) {
    if (name == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("'");
    name.codePoints()
        .limit(80)
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.append(name.length() > 80 ? "…'" : "'").toString();
  }
}
