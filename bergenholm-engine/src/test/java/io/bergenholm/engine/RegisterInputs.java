package io.bergenholm.engine;

import java.util.Random;

/**
 * Seeded generators of what an attacker might send to {@code /ipxe/register}: ids and fact values.
 */
final class RegisterInputs {
  private static final String[] PIECES = {
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "root_password",
    "\n",
    "\r",
    "\u0000",
    "\uFFFD",
    "%post",
    "$(",
    "${uuid}",
    "'",
    "\"",
    "\\",
    ";",
    "|",
    "<",
    ">",
    " ",
    "-",
    ".",
    "_",
    "é",
    "日本",
    "\uD83D\uDE00",
    "\u202E",
    "\t",
    "Dell Inc.",
    "QEMU",
    "Standard PC (i440FX + PIIX, 1996)",
    "SN0042",
    "node-1",
    "1.5|round(10000000)",
  };

  private RegisterInputs() {}

  /** A UUID (often), a mangled one, a name or junk; a few ids repeat so that some are known. */
  static String id(Random r) {
    return switch (r.nextInt(8)) {
      case 0, 1, 2 ->
          String.format("%08x-0000-4000-8000-%012x", r.nextInt(), (long) r.nextInt(1 << 30));
      case 3 -> String.format("%08X-0000-4000-8000-%012d", r.nextInt(64), r.nextInt(4));
      case 4 ->
          String.format("%08x-0000-4000-8000-%012x", r.nextInt(), (long) r.nextInt())
              .substring(r.nextInt(3));
      case 5 -> value(r);
      case 6 -> "\uFFFD\uFFFD";
      default ->
          String.format("%08x-0000-4000-8000-%012xg", r.nextInt(), (long) r.nextInt(1 << 30));
    };
  }

  /** A fact value: plain text, hostile pieces, random code points, or something long. */
  static String value(Random r) {
    StringBuilder b = new StringBuilder();
    int kind = r.nextInt(4);
    int n = kind == 3 ? 100 + r.nextInt(200) : r.nextInt(12);
    for (int i = 0; i < n; i++) {
      switch (kind) {
        case 0 -> b.append((char) ('a' + r.nextInt(26)));
        case 1 -> b.append(PIECES[r.nextInt(PIECES.length)]);
        case 2 ->
            b.appendCodePoint(r.nextInt(3) == 0 ? r.nextInt(0x10FFFF + 1) : 32 + r.nextInt(95));
        default -> b.append((char) ('0' + r.nextInt(10)));
      }
    }
    String s = b.toString();
    // Unpaired surrogates from random code points are fine: a servlet would see them as U+FFFD.
    return s;
  }
}
