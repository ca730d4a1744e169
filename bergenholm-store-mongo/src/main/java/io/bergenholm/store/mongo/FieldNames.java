package io.bergenholm.store.mongo;

/**
 * The reversible mapping between parameter names and MongoDB field names.
 *
 * <p>MongoDB (4.2, and drivers talking to it) cannot store a field name that contains {@code .} or
 * NUL or starts with {@code $}; and at the top of a document {@code _id} and the store's own
 * version field are taken. Such a parameter name is stored as {@code %} followed by the name with
 * {@code %}, {@code .}, {@code $} and NUL percent-encoded ({@code a.b} becomes {@code %a%2Eb},
 * {@code _id} becomes {@code %_id}), and comes back unchanged when read. Every other name is stored
 * as it is, so documents written by the Python project, whose names never needed this, read as they
 * are. A name that itself starts with {@code %} is always encoded, which keeps the mapping
 * one-to-one; a stored name starting with {@code %} that is not a valid encoding is read verbatim.
 */
final class FieldNames {
  /** The field holding a record's version; never a parameter. */
  static final String VERSION = "_bergenholm_v";

  static final String ID = "_id";

  private static final char MARK = '%';

  private FieldNames() {}

  /** The field name for parameter {@code name}; {@code top} for a record's own parameters. */
  static String encode(String name, boolean top) {
    if (isPlain(name, top)) {
      return name;
    }
    StringBuilder b = new StringBuilder(name.length() + 8).append(MARK);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '%' -> b.append("%25");
        case '.' -> b.append("%2E");
        case '$' -> b.append("%24");
        case '\0' -> b.append("%00");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** The parameter name stored as field {@code field}; {@code top} as for {@link #encode}. */
  static String decode(String field, boolean top) {
    if (field.isEmpty() || field.charAt(0) != MARK) {
      return field;
    }
    StringBuilder b = new StringBuilder(field.length());
    for (int i = 1; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c != '%') {
        b.append(c);
        continue;
      }
      if (i + 2 >= field.length()) {
        return field;
      }
      switch (field.substring(i + 1, i + 3)) {
        case "25" -> b.append('%');
        case "2E" -> b.append('.');
        case "24" -> b.append('$');
        case "00" -> b.append('\0');
        default -> {
          return field;
        }
      }
      i += 2;
    }
    String name = b.toString();
    // Only names that encode() would have escaped decode; anything else is someone's own field.
    return encode(name, top).equals(field) ? name : field;
  }

  private static boolean isPlain(String name, boolean top) {
    if (name.isEmpty() || name.charAt(0) == MARK || name.charAt(0) == '$') {
      return false;
    }
    if (top && (name.equals(ID) || name.equals(VERSION))) {
      return false;
    }
    return name.indexOf('.') < 0 && name.indexOf('\0') < 0;
  }
}
