package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Provider;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * The providers of one SPI, by name: those handed to the builder first, then those {@link
 * ServiceLoader} finds. Two different classes claiming one name is an error, since configuration
 * could not say which is meant.
 */
final class Plugins<P extends Provider<?>> {
  private final String what;
  private final Map<String, P> byName;

  private Plugins(String what, Map<String, P> byName) {
    this.what = what;
    this.byName = byName;
  }

  static <P extends Provider<?>> Plugins<P> load(String what, Class<P> type, ClassLoader loader, List<P> given) {
    Map<String, P> byName = new LinkedHashMap<>();
    for (P p : given) {
      byName.put(p.name(), p);
    }
    try {
      for (P p : ServiceLoader.load(type, loader)) {
        P known = byName.get(p.name());
        if (known == null) {
          byName.put(p.name(), p);
        } else if (!known.getClass().getName().equals(p.getClass().getName()) && !given.contains(known)) {
          throw new BadInputException("two " + what + " providers are named '" + p.name() + "': "
              + known.getClass().getName() + " and " + p.getClass().getName());
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new BadInputException("cannot load " + what + " providers: " + e.getMessage(), e);
    }
    return new Plugins<>(what, Map.copyOf(byName));
  }

  /** The provider of that name. @throws BadInputException listing the available names */
  P get(String name) {
    P p = byName.get(name);
    if (p == null) {
      throw new BadInputException("unknown " + what + " '" + name + "'; available: " + names());
    }
    return p;
  }

  boolean has(String name) {
    return byName.containsKey(name);
  }

  Collection<P> all() {
    return byName.values();
  }

  String names() {
    return byName.isEmpty() ? "none" : String.join(", ", new TreeSet<>(byName.keySet()));
  }

  /** The keys under {@code prefix}, with the prefix taken off: a provider's own config. */
  static Map<String, String> section(Map<String, String> config, String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : config.entrySet()) {
      if (e.getKey().startsWith(prefix) && e.getKey().length() > prefix.length()) {
        out.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    return out;
  }
}
