package io.bergenholm.netboot.http;

import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.SecretPolicy;
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
