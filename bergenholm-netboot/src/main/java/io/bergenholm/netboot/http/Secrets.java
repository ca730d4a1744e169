package io.bergenholm.netboot.http;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.Provenance;
import io.bergenholm.engine.SecretPolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's {@link SecretPolicy} as the management endpoints use it: masks secrets, values
 * derived from them and URL passwords in reads, and keeps stored values when a masked record comes
 * back.
 */
final class Secrets {
  /** What a secret value reads as; writing it back keeps the stored value. */
  static final String MASK = SecretPolicy.MASK;

  private final SecretPolicy policy;

  Secrets(Bergenholm engine) {
    this.policy = engine.secrets();
  }

  /** A copy of {@code params} as a read shows it. */
  Map<String, Object> mask(Map<String, Object> params) {
    return policy.mask(params);
  }

  /**
   * A host's resolved parameters as a read shows them, judged from its explanation: values derived
   * from secrets beyond a verbatim copy are masked whole ({@link SecretPolicy#opaquelyDerived}).
   */
  Map<String, Object> maskResolved(Map<String, Provenance> explained) {
    Map<String, Object> expanded = new LinkedHashMap<>();
    explained.forEach((key, p) -> expanded.put(key, p.expanded()));
    return policy.maskResolved(expanded, opaquelyDerived(explained));
  }

  /** See {@link SecretPolicy#opaquelyDerived}. */
  Set<String> opaquelyDerived(Map<String, Provenance> explained) {
    Map<String, Object> raw = new LinkedHashMap<>();
    Map<String, Object> expanded = new LinkedHashMap<>();
    explained.forEach(
        (key, p) -> {
          raw.put(key, p.raw());
          expanded.put(key, p.expanded());
        });
    return policy.opaquelyDerived(raw, expanded);
  }

  Object maskValue(Object value, Set<String> secretValues) {
    return policy.maskValue(value, secretValues);
  }

  Set<String> secretValues(Map<String, ?> params) {
    return policy.secretValues(params);
  }

  boolean isSecret(String key) {
    return policy.isSecret(key);
  }

  /** See {@link SecretPolicy#unmask}. */
  Params unmask(Params incoming, Optional<Params> stored, String what) {
    return policy.unmask(incoming, stored, what);
  }

  boolean anyMasked(Params incoming) {
    return policy.anyMasked(incoming);
  }
}
