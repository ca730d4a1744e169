package io.bergenholm.netboot.grub;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.tftp.TftpRefusal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A name under {@code bergenholm/} that GRUB asks for, parsed strictly: anything that is not
 * exactly one of the shapes below is refused with the reason (TFTP access violation).
 *
 * <pre>
 * grub/UUID.cfg
 * register/UUID
 * register/UUID?fact=value&amp;fact=value...    facts: manufacturer product serial asset hostname
 * kernel/UUID
 * initrd/UUID   initrd/UUID/N   module/UUID   module/UUID/N    (N: 0 to 9999)
 * </pre>
 *
 * A UUID is in canonical 8-4-4-4-12 form, either case, and is lowercased (as iPXE's {@code ${uuid}}
 * and GRUB's {@code smbios --get-uuid} give it). A fact value is printable ASCII of at most {@value
 * #MAX_VALUE_CHARS} characters, without {@code &}; an empty value is left out.
 */
sealed interface GrubName {
  int MAX_VALUE_CHARS = 128;

  /** The UUID, lowercased. */
  String uuid();

  record Config(String uuid) implements GrubName {}

  record Register(String uuid, Map<String, String> facts) implements GrubName {}

  record Image(String uuid, String kind, OptionalInt index) implements GrubName {}

  Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  Pattern CONFIG = Pattern.compile("grub/(" + UUID.pattern() + ")\\.cfg");
  Pattern REGISTER =
      Pattern.compile("register/(" + UUID.pattern() + ")(?:\\?(.*))?", Pattern.DOTALL);
  Pattern IMAGE =
      Pattern.compile("(kernel|initrd|module)/(" + UUID.pattern() + ")(?:/([0-9]{1,4}))?");

  /**
   * @throws TftpRefusal (access violation) for anything else
   */
  static GrubName parse(String name) {
    Matcher m = CONFIG.matcher(name);
    if (m.matches()) {
      return new Config(m.group(1).toLowerCase(Locale.ROOT));
    }
    m = REGISTER.matcher(name);
    if (m.matches()) {
      return new Register(
          m.group(1).toLowerCase(Locale.ROOT), m.group(2) == null ? Map.of() : facts(m.group(2)));
    }
    m = IMAGE.matcher(name);
    if (m.matches()) {
      String kind = m.group(1);
      if (kind.equals("kernel") && m.group(3) != null) {
        throw TftpRefusal.accessViolation("a kernel has no index: bergenholm/" + name);
      }
      OptionalInt index =
          m.group(3) == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(m.group(3)));
      return new Image(m.group(2).toLowerCase(Locale.ROOT), kind, index);
    }
    throw TftpRefusal.accessViolation(
        "not a name this server knows: bergenholm/"
            + name
            + " (expected grub/UUID.cfg, register/UUID[?facts], kernel/UUID, initrd/UUID[/N] or module/UUID[/N])");
  }

  private static Map<String, String> facts(String query) {
    Map<String, String> facts = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return facts;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw TftpRefusal.accessViolation(
            "registration facts are key=value pairs joined by '&', found '" + pair + "'");
      }
      String key = pair.substring(0, eq);
      String value = pair.substring(eq + 1);
      if (!Bergenholm.REGISTER_FACTS.contains(key)) {
        throw TftpRefusal.accessViolation(
            "unknown registration fact '" + key + "'; known: " + Bergenholm.REGISTER_FACTS);
      }
      if (facts.containsKey(key) || facts.containsKey("-" + key)) {
        throw TftpRefusal.accessViolation("registration fact '" + key + "' given twice");
      }
      if (value.length() > MAX_VALUE_CHARS) {
        throw TftpRefusal.accessViolation(
            "registration fact '" + key + "' is longer than " + MAX_VALUE_CHARS + " characters");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < 0x20 || c > 0x7e) {
          throw TftpRefusal.accessViolation(
              "registration fact '" + key + "' holds a character that is not printable ASCII");
        }
      }
      String trimmed = value.strip();
      // An empty value is left out, but still counts against giving the key twice.
      facts.put(trimmed.isEmpty() ? "-" + key : key, trimmed);
    }
    facts.keySet().removeIf(k -> k.startsWith("-"));
    return Map.copyOf(facts);
  }
}
