package io.bergenholm.engine;

import java.util.regex.Pattern;

/** What an iPXE script served to a host does, as the timeline and the host's state tell it. */
final class ScriptPurpose {
  static final String REGISTER = "register";
  static final String INSTALL = "install";
  static final String LOCAL = "local";
  static final String OTHER = "other";

  private static final Pattern KERNEL =
      Pattern.compile("(?m)^\\s*(kernel|initrd|imgfetch|module)\\s");
  private static final Pattern LOCAL_BOOT = Pattern.compile("(?m)^\\s*(sanboot|exit)\\b");

  private ScriptPurpose() {}

  /** Unknown hosts get the register script; otherwise the script's own commands tell. */
  static String of(boolean known, String script) {
    if (!known) {
      return REGISTER;
    }
    if (KERNEL.matcher(script).find()) {
      return INSTALL;
    }
    if (LOCAL_BOOT.matcher(script).find()) {
      return LOCAL;
    }
    return OTHER;
  }
}
