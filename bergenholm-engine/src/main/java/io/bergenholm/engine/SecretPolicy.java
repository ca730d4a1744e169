package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.SecretMask;
import io.bergenholm.api.SecretsPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the management side may show of parameters, and how a masked record written back keeps its
 * secrets. One policy for every reader (REST API, CLI, logs):
 *
 * <ul>
 *   <li>a secret parameter (name ending in {@code _password}, or declared by a loaded provider)
 *       reads as {@link SecretMask#MASK}, at any depth;
 *   <li>a value derived from a secret (any other value that contains a secret's value of at least
 *       {@value #MIN_DERIVED_CHARS} characters, such as {@code kernel_opts} built from {@code {{
 *       root_password }}}) has that part masked;
 *   <li>a value derived from a secret in a way that a search for the secret's value would miss (a
 *       filter such as {@code {{ root_password|upper }}}, an expression, a statement, a secret
 *       shorter than {@value #MIN_DERIVED_CHARS} characters), directly or through other values, is
 *       masked whole ({@link #opaquelyDerived});
 *   <li>the password of a URL in any value ({@code http://user:pw@proxy/}) is masked;
 *   <li>a record written back with masked values keeps the stored ones where the incoming value is
 *       exactly what a read showed.
 * </ul>
 *
 * Only management reads pay for this; the boot side serves values as they are.
 */
public final class SecretPolicy implements SecretsPolicy {
  public static final String MASK = SecretMask.MASK;

  /**
   * Shorter secret values are not searched for inside other values (they would mask common words).
   */
  public static final int MIN_DERIVED_CHARS = 4;

  private final Set<String> declared = ConcurrentHashMap.newKeySet();

  SecretPolicy() {}

  SecretPolicy(Set<String> declared) {
    this.declared.addAll(declared);
  }

  /**
   * Adds a key a provider declares secret (a parameter, or a configuration key with and without its
   * prefix).
   */
  void declare(String key) {
    declared.add(key);
  }

  /**
   * A setting as it may be logged: masked when its key is secret or its name ends in {@code
   * password}, {@code secret} or {@code token}; otherwise with any URL password masked.
   */
  @Override
  public String mask(String key, String value) {
    String lower = key.toLowerCase(Locale.ROOT);
    boolean secretName =
        lower.endsWith("password") || lower.endsWith("secret") || lower.endsWith("token");
    return isSecret(key) || secretName ? MASK : maskLocation(value);
  }

  @Override
  public String maskLocation(String location) {
    return Secrets.maskLocation(location);
  }

  /**
   * Whether a parameter holds a secret: its name ends in {@code _password}, or a provider declares
   * it.
   */
  @Override
  public boolean isSecret(String key) {
    return Secrets.isPasswordName(key) || declared.contains(key);
  }

  /**
   * The values of the secret parameters in {@code params} (top level), long enough to search for.
   */
  public Set<String> secretValues(Map<String, ?> params) {
    Set<String> out = new HashSet<>();
    params.forEach(
        (k, v) -> {
          if (isSecret(k)) {
            collect(v, out);
          }
        });
    return out;
  }

  private static void collect(Object v, Set<String> out) {
    if (v instanceof String s) {
      if (s.length() >= MIN_DERIVED_CHARS && !s.equals(MASK)) {
        out.add(s);
      }
    } else if (v instanceof Collection<?> c) {
      c.forEach(item -> collect(item, out));
    } else if (v instanceof Map<?, ?> m) {
      m.values().forEach(item -> collect(item, out));
    }
  }

  private static final Pattern TAG = Pattern.compile("\\{\\{(.*?)}}|\\{%(.*?)%}", Pattern.DOTALL);
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern BARE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*");

  /**
   * The keys whose values a read must mask whole: not secret themselves, but derived from a secret
   * in a way that {@link #maskText} cannot find, judged from their unexpanded ({@code raw}) values.
   * A template tag that names a secret parameter (or a key already in this set) is opaque unless it
   * is the bare {@code {{ name }}} of a secret whose value is long enough to search for, or of a
   * key that only copies one: then the expanded value holds the secret verbatim and its masking is
   * exact. The computed boot credential's stand-in is no secret to derive from.
   *
   * @param raw each key's value before expansion
   * @param expanded each key's value after expansion (for the secrets' lengths)
   */
  public Set<String> opaquelyDerived(Map<String, ?> raw, Map<String, ?> expanded) {
    Set<String> copies = new HashSet<>(); // keys whose value holds a searchable secret verbatim
    Set<String> opaque = new HashSet<>();
    Set<String> searchable = secretValues(expanded);
    expanded.forEach(
        (k, v) -> {
          if (isSecret(k) && !k.equals(BootCredentials.PARAMETER)) {
            if (v instanceof String text && searchable.contains(text)) {
              copies.add(k);
            } else if (v != null) {
              opaque.add(k);
            }
          }
        });
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Map.Entry<String, ?> e : raw.entrySet()) {
        String key = e.getKey();
        if (isSecret(key) || opaque.contains(key)) {
          continue;
        }
        List<String> texts = new ArrayList<>();
        strings(e.getValue(), texts);
        boolean toOpaque = false;
        boolean toCopy = false;
        for (String text : texts) {
          Matcher tag = TAG.matcher(text);
          while (tag.find()) {
            String body = tag.group(1) != null ? tag.group(1) : tag.group(2);
            Matcher id = IDENTIFIER.matcher(body);
            while (id.find()) {
              String name = id.group();
              if (opaque.contains(name)) {
                toOpaque = true;
              } else if (copies.contains(name)) {
                Matcher bare = BARE.matcher(body);
                if (tag.group(1) != null && bare.matches()) {
                  toCopy = true;
                } else {
                  toOpaque = true;
                }
              }
            }
          }
        }
        if (toOpaque) {
          opaque.add(key);
          copies.remove(key);
          changed = true;
        } else if (toCopy && copies.add(key)) {
          changed = true;
        }
      }
    }
    opaque.removeIf(this::isSecret);
    return opaque;
  }

  private static void strings(Object v, List<String> out) {
    if (v instanceof String s) {
      out.add(s);
    } else if (v instanceof Collection<?> c) {
      c.forEach(item -> strings(item, out));
    } else if (v instanceof Map<?, ?> m) {
      m.values().forEach(item -> strings(item, out));
    }
  }

  /**
   * A copy of resolved {@code params} as a management read shows it: {@link #mask(Map)}, and the
   * keys in {@code opaque} ({@link #opaquelyDerived}) masked whole.
   */
  public Map<String, Object> maskResolved(Map<String, Object> params, Set<String> opaque) {
    Set<String> secretValues = secretValues(params);
    Map<String, Object> out = new LinkedHashMap<>();
    params.forEach(
        (key, value) ->
            out.put(
                key,
                value != null && opaque.contains(key)
                    ? MASK
                    : maskEntry(key, value, secretValues)));
    return out;
  }

  /** A copy of {@code params} as a management read shows it (see the class comment). */
  public Map<String, Object> mask(Map<String, Object> params) {
    return mask(params, secretValues(params));
  }

  /** Like {@link #mask(Map)}, with the secret values to look for given. */
  public Map<String, Object> mask(Map<String, Object> params, Set<String> secretValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    params.forEach((key, value) -> out.put(key, maskEntry(key, value, secretValues)));
    return out;
  }

  /** One parameter as a read shows it. */
  public Object maskEntry(String key, Object value, Set<String> secretValues) {
    if (value != null && isSecret(key)) {
      return MASK;
    }
    return maskValue(value, secretValues);
  }

  /** A value (not itself secret) with derived secrets and URL passwords masked, at any depth. */
  public Object maskValue(Object value, Set<String> secretValues) {
    if (value instanceof String s) {
      return maskText(s, secretValues);
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put((String) k, maskEntry((String) k, v, secretValues)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(item -> out.add(maskValue(item, secretValues)));
      return out;
    }
    return value;
  }

  /** A text with URL passwords and the given secret values masked. */
  public String maskText(String text, Set<String> secretValues) {
    String out = SecretMask.maskUrlCredentials(text);
    if (out.length() >= MIN_DERIVED_CHARS) {
      // Longest first, so that a secret containing another is masked whole.
      for (String secret :
          secretValues.stream().sorted((a, b) -> b.length() - a.length()).toList()) {
        out = SecretMask.maskOccurrences(out, secret);
      }
    }
    return out;
  }

  /**
   * Restores what a client read masked: each top-level value that is exactly what a read of the
   * stored record shows (the mask of a secret, a URL with its password masked, a value with a
   * derived secret masked) gets the stored value back, so that a record can be read, changed in one
   * key and written back without losing its secrets.
   *
   * @throws BadInputException if a secret parameter, or a URL password, holds the mask with no
   *     stored value it stands for
   */
  public Params unmask(Params incoming, Optional<Params> stored, String what) {
    Params result = incoming;
    Map<String, Object> storedMap = stored.map(Params::asMap).orElse(Map.of());
    Set<String> storedSecrets = secretValues(storedMap);
    for (String key : incoming.keys()) {
      Object value = incoming.get(key).orElse(null);
      if (!holdsMask(value)) {
        continue;
      }
      Object kept = storedMap.get(key);
      if (kept != null && Objects.equals(maskEntry(key, kept, storedSecrets), value)) {
        result = result.with(key, kept);
      } else if (isSecret(key) || holdsMaskedUrlPassword(value)) {
        throw new BadInputException(
            what
                + ": parameter '"
                + key
                + "' holds the mask "
                + MASK
                + " but no stored value matches it to keep; send the real value");
      }
    }
    return result;
  }

  /** Whether any value of {@code incoming} holds the mask (so that the stored record is needed). */
  public boolean anyMasked(Params incoming) {
    for (String key : incoming.keys()) {
      if (holdsMask(incoming.get(key).orElse(null))) {
        return true;
      }
    }
    return false;
  }

  private static boolean holdsMask(Object v) {
    if (v instanceof String s) {
      return s.contains(MASK);
    }
    if (v instanceof Collection<?> c) {
      return c.stream().anyMatch(SecretPolicy::holdsMask);
    }
    if (v instanceof Map<?, ?> m) {
      return m.values().stream().anyMatch(SecretPolicy::holdsMask);
    }
    return false;
  }

  private static boolean holdsMaskedUrlPassword(Object v) {
    if (v instanceof String s) {
      return s.contains(":" + MASK + "@");
    }
    if (v instanceof Collection<?> c) {
      return c.stream().anyMatch(SecretPolicy::holdsMaskedUrlPassword);
    }
    if (v instanceof Map<?, ?> m) {
      return m.values().stream().anyMatch(SecretPolicy::holdsMaskedUrlPassword);
    }
    return false;
  }

  /**
   * Refuses host filters that would answer whether a guess of a secret is right: a filter on a
   * secret parameter, or a value holding a URL password.
   *
   * @throws BadInputException naming the key
   */
  public void checkFilter(Map<String, String> criteria) {
    criteria.forEach(
        (key, value) -> {
          if (isSecret(key)) {
            throw new BadInputException(
                "hosts cannot be filtered by the secret parameter '" + key + "'");
          }
          if (SecretMask.hasUrlCredentials(value)) {
            throw new BadInputException(
                "hosts cannot be filtered by a URL with a password (parameter '" + key + "')");
          }
        });
  }
}
