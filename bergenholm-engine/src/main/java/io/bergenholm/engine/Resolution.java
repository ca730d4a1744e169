package io.bergenholm.engine;

import io.bergenholm.api.Params;
import java.util.Objects;

/**
 * A host's parameters after inheritance and expansion.
 *
 * @param hostId the id that was asked for
 * @param known false when no host of that id exists and the result came from the {@code register}
 *     record
 * @param params the resolved parameters, with {@code uuid} and {@code groups} set as DESIGN.md says
 */
public record Resolution(String hostId, boolean known, Params params) {
  public Resolution {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(params, "params");
  }
}
