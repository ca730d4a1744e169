package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The host ids the boot side accepts. iPXE sends the SMBIOS UUID, so registration takes a UUID only
 * (in any case; stored in lowercase). The other boot routes also take the name of a host that
 * exists, such as the compatible fixture's {@code samplehost} or {@code default}, but never create
 * or resolve an arbitrary string.
 */
public final class HostIds {
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private HostIds() {}

  /** The canonical (lowercase) form of a UUID, or empty if {@code id} is not one. */
  public static Optional<String> canonicalUuid(String id) {
    if (id == null || id.length() != 36 || !UUID.matcher(id).matches()) {
      return Optional.empty();
    }
    return Optional.of(id.toLowerCase(Locale.ROOT));
  }

  /**
   * @throws BadInputException naming the id (shortened and escaped) unless it is a UUID
   */
  public static String requireUuid(String id) {
    return canonicalUuid(id)
        .orElseThrow(
            () ->
                new BadInputException(
                    "host id "
                        + Facts.quote(id)
                        + " is not a UUID (expected 8-4-4-4-12 hexadecimal digits, as iPXE's ${uuid})"));
  }
}
