package io.bergenholm.engine;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Provider;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The providers of one SPI, by name: those handed to the builder (which win), then those {@link
 * ServiceLoader} finds through each class loader in turn. Two different classes claiming one name
 * are an error naming both classes and their jars, unless {@value #PREFER}{@code <spi>.<name>}
 * names the class to use; the choice never depends on the order a class path or a file system lists
 * things in.
 */
final class Plugins<P extends Provider<?>> {
  /** Config prefix that settles a clash: {@code plugins.prefer.power.ipmi=com.example.MyIpmi}. */
  static final String PREFER = "plugins.prefer.";

  private final String what;
  private final Map<String, P> byName;

  private Plugins(String what, Map<String, P> byName) {
    this.what = what;
    this.byName = byName;
  }

  /**
   * @param spi the short name used in {@value #PREFER} keys: {@code store}, {@code renderer},
   *     {@code power} or {@code image}
   */
  static <P extends Provider<?>> Plugins<P> load(
      String spi,
      String what,
      Class<P> type,
      List<ClassLoader> loaders,
      List<P> given,
      Map<String, String> config) {
    Map<String, P> byName = new LinkedHashMap<>();
    for (P p : given) {
      P before = byName.putIfAbsent(p.name(), p);
      if (before != null && before != p) {
        throw new BadInputException(
            "two "
                + what
                + " providers handed to the builder are named '"
                + p.name()
                + "': "
                + describe(before)
                + " and "
                + describe(p));
      }
    }
    Map<String, List<P>> found = new LinkedHashMap<>();
    for (ClassLoader loader : loaders) {
      try {
        for (P p : ServiceLoader.load(type, loader)) {
          if (byName.containsKey(p.name())) {
            continue;
          }
          List<P> same = found.computeIfAbsent(p.name(), n -> new ArrayList<>());
          if (same.stream().noneMatch(known -> known.getClass() == p.getClass())) {
            same.add(p);
          }
        }
      } catch (ServiceConfigurationError e) {
        throw new BadInputException("cannot load " + what + " providers: " + e.getMessage(), e);
      }
    }
    for (Map.Entry<String, List<P>> e : found.entrySet()) {
      byName.put(
          e.getKey(),
          choose(
              what,
              PREFER + spi + "." + e.getKey(),
              "named '" + e.getKey() + "'",
              e.getValue(),
              config));
    }
    return new Plugins<>(what, Collections.unmodifiableMap(byName));
  }

  /**
   * Which provider owns each key that {@code claims} names (an image source's URL schemes): the
   * builder's own providers first; among the others, a key claimed twice is an error unless {@code
   * preferPrefix + key} names the class to use.
   */
  static <P> Map<String, P> claims(
      String what,
      Collection<P> providers,
      Collection<P> given,
      Function<P, Set<String>> claims,
      String preferPrefix,
      Map<String, String> config) {
    Map<String, List<P>> byKey = new LinkedHashMap<>();
    Map<String, P> out = new LinkedHashMap<>();
    for (P p : given) {
      for (String key : claims.apply(p)) {
        P before = out.putIfAbsent(key.toLowerCase(Locale.ROOT), p);
        if (before != null && before != p) {
          throw new BadInputException(
              "two "
                  + what
                  + " providers handed to the builder claim '"
                  + key
                  + "': "
                  + describe(before)
                  + " and "
                  + describe(p));
        }
      }
    }
    for (P p : providers) {
      if (given.contains(p)) {
        continue;
      }
      for (String key : claims.apply(p)) {
        String k = key.toLowerCase(Locale.ROOT);
        if (!out.containsKey(k)) {
          byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(p);
        }
      }
    }
    for (Map.Entry<String, List<P>> e : byKey.entrySet()) {
      out.put(
          e.getKey(),
          choose(
              what,
              preferPrefix + e.getKey(),
              "claiming '" + e.getKey() + "'",
              e.getValue(),
              config));
    }
    return Collections.unmodifiableMap(out);
  }

  private static <P> P choose(
      String what, String preferKey, String claim, List<P> candidates, Map<String, String> config) {
    String preferred = config.get(preferKey);
    if (preferred == null && candidates.size() == 1) {
      return candidates.get(0);
    }
    String listed = candidates.stream().map(Plugins::describe).collect(Collectors.joining(" and "));
    if (preferred == null) {
      throw new BadInputException(
          candidates.size()
              + " "
              + what
              + " providers "
              + claim
              + ": "
              + listed
              + "; set '"
              + preferKey
              + "' to the class name of the one to use");
    }
    List<P> chosen =
        candidates.stream().filter(p -> p.getClass().getName().equals(preferred.strip())).toList();
    if (chosen.size() != 1) {
      throw new BadInputException(
          "'"
              + preferKey
              + "' is '"
              + preferred
              + "', which "
              + (chosen.isEmpty()
                  ? "names none of the " + what + " providers " + claim + ": " + listed
                  : "names a class found in several jars: " + listed + "; remove all but one"));
    }
    return chosen.get(0);
  }

  /** A provider's class and the jar (or folder) it came from. */
  static String describe(Object provider) {
    Class<?> c = provider.getClass();
    CodeSource source = c.getProtectionDomain().getCodeSource();
    String from = "an unknown location";
    if (source != null && source.getLocation() != null) {
      try {
        from = Path.of(source.getLocation().toURI()).toString();
      } catch (URISyntaxException | IllegalArgumentException e) {
        from = source.getLocation().toString();
      }
    }
    return c.getName() + " (from " + from + ")";
  }

  /** The provider of that name. @throws BadInputException listing the available names */
  P get(String name) {
    P p = byName.get(name);
    if (p == null) {
      throw new BadInputException("unknown " + what + " '" + name + "'; available: " + names());
    }
    return p;
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
