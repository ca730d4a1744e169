package io.bergenholm.netboot.http;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.engine.Bergenholm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Masks secret parameters in management reads, and keeps them when a masked record comes back. */
final class Secrets {
  /** What a secret value reads as; writing it back keeps the stored value. */
  static final String MASK = "********";

  private final Bergenholm engine;

  Secrets(Bergenholm engine) {
    this.engine = engine;
  }

  /** A copy of {@code params} with every secret value, at any depth, replaced by {@link #MASK}. */
  Map<String, Object> mask(Map<String, Object> params) {
    Map<String, Object> out = new LinkedHashMap<>();
    params.forEach((key, value) -> out.put(key, isSecret(key) && value != null ? MASK : maskValue(value)));
    return out;
  }

  Object maskValue(Object value) {
    if (value instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return mask(map);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(item -> out.add(maskValue(item)));
      return out;
    }
    return value;
  }

  boolean isSecret(String key) {
    return engine.isSecretParameter(key);
  }

  /**
   * Replaces top-level secret values that arrive as {@link #MASK} with the stored ones, so that a
   * client can read a record, change one key and write it back without erasing its passwords.
   *
   * @throws BadInputException if a masked value has nothing stored to stand for
   */
  Params unmask(Params incoming, Optional<Params> stored, String what) {
    Params result = incoming;
    for (String key : incoming.keys()) {
      if (isSecret(key) && MASK.equals(incoming.get(key).orElse(null))) {
        Object kept = stored.flatMap(p -> p.get(key)).orElseThrow(() -> new BadInputException(
            what + ": parameter '" + key + "' holds the mask " + MASK + " but no value is stored to keep;"
                + " send the real value"));
        result = result.with(key, kept);
      }
    }
    return result;
  }

  boolean anyMasked(Params incoming) {
    for (String key : incoming.keys()) {
      if (isSecret(key) && MASK.equals(incoming.get(key).orElse(null))) {
        return true;
      }
    }
    return false;
  }
}
