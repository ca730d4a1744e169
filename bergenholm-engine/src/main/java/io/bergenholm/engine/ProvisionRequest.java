package io.bergenholm.engine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A reinstall of one host: the groups it should have afterwards (its current ones if empty) and,
 * optionally, the host record version the caller last saw ({@code If-Match}).
 */
public record ProvisionRequest(Optional<List<String>> groups, Optional<String> ifVersion) {
  public static final ProvisionRequest KEEP_GROUPS =
      new ProvisionRequest(Optional.empty(), Optional.empty());

  public ProvisionRequest {
    groups = Objects.requireNonNull(groups, "groups").map(List::copyOf);
    Objects.requireNonNull(ifVersion, "ifVersion");
  }
}
