package io.bergenholm.engine.render;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.util.function.BiFunction;

/**
 * Jinjava's filters whose cost grows with an argument rather than with their input, each wrapped so
 * that the argument is checked before the filter runs: a single filter call is one template node,
 * so the per-node budget never sees it. Found by reading every filter of Jinjava 2.8:
 *
 * <ul>
 *   <li>{@code round(precision)}: {@code 1.5|round(10000000)} builds a ten-million-digit decimal
 *       (20 s); precision is capped at {@value #MAX_PRECISION}.
 *   <li>{@code root(n)}: an n-th root by iteration; n is capped at {@value #MAX_ROOT}.
 *   <li>{@code log(base)}: a decimal logarithm; input and base are capped at {@value #MAX_DIGITS}
 *       characters.
 *   <li>{@code batch(n, fill)}: pads to n items; n is capped at the collection limit.
 *   <li>{@code replace(old, new)}: its output can be its input times the replacement's length
 *       (doubling a string this way reached 671M characters); the output it would build is counted
 *       first and refused beyond the output limit.
 * </ul>
 *
 * {@code center}, {@code format} and {@code indent} are disabled outright (see {@link
 * JinjavaRenderer}); {@code slice} is capped by Jinjava itself at 1000, {@code regex_replace} uses
 * a linear-time engine, {@code range()} is counted by {@link JinjavaRenderer.CountedRange}, and
 * string concatenation is bounded by Jinjava's string length limit.
 */
final class CappedFilters {
  static final int MAX_PRECISION = 32;
  static final int MAX_ROOT = 64;
  static final int MAX_DIGITS = 64;

  private CappedFilters() {}

  /** Replaces the filters above in {@code global} with checked ones. */
  static void install(Context global, RenderLimits limits) {
    wrap(
        global,
        "round",
        (var, args) ->
            args.length > 0 && above(args[0], MAX_PRECISION)
                ? "round() precision "
                    + shorten(args[0])
                    + " is above the limit of "
                    + MAX_PRECISION
                : null);
    wrap(
        global,
        "root",
        (var, args) ->
            args.length > 0 && above(args[0], MAX_ROOT)
                ? "root() degree " + shorten(args[0]) + " is above the limit of " + MAX_ROOT
                : null);
    wrap(
        global,
        "log",
        (var, args) ->
            String.valueOf(var).length() > MAX_DIGITS
                    || args.length > 0 && args[0] != null && args[0].length() > MAX_DIGITS
                ? "log() of a number longer than " + MAX_DIGITS + " characters"
                : null);
    wrap(
        global,
        "batch",
        (var, args) ->
            args.length > 0 && above(args[0], limits.maxCollectionSize())
                ? "batch() size "
                    + shorten(args[0])
                    + " is above the collection limit of "
                    + limits.maxCollectionSize()
                : null);
    wrap(
        global,
        "replace",
        (var, args) -> {
          if (var == null || args.length < 2) {
            return null;
          }
          long out =
              replacedLength(
                  String.valueOf(var), args[0], args[1], args.length > 2 ? args[2] : null);
          return out > limits.maxOutputChars()
              ? "replace() would build "
                  + out
                  + " characters, more than the limit of "
                  + limits.maxOutputChars()
              : null;
        });
  }

  private static void wrap(
      Context global, String name, BiFunction<Object, String[], String> check) {
    Filter original = global.getFilter(name);
    if (original == null) {
      throw new IllegalStateException("Jinjava has no filter '" + name + "' to cap");
    }
    global.registerFilter(new Checked(original, check));
  }

  /**
   * Whether a numeric argument is beyond {@code max} in size (or not a number Jinjava could use).
   */
  private static boolean above(String arg, long max) {
    if (arg == null) {
      return false;
    }
    try {
      return new BigDecimal(arg.trim()).abs().compareTo(BigDecimal.valueOf(max)) > 0;
    } catch (NumberFormatException e) {
      return false; // the filter reports what it cannot parse
    }
  }

  /** The length Python's {@code str.replace(old, new, count)} would produce. */
  static long replacedLength(String s, String old, String replacement, String countArg) {
    if (old == null || replacement == null) {
      return s.length();
    }
    long count = Long.MAX_VALUE;
    if (countArg != null) {
      try {
        count = Long.parseLong(countArg.trim());
      } catch (NumberFormatException e) {
        count = Long.MAX_VALUE;
      }
      if (count < 0) {
        count = Long.MAX_VALUE;
      }
    }
    long hits;
    if (old.isEmpty()) {
      hits = Math.min(count, (long) s.length() + 1);
    } else {
      hits = 0;
      for (int i = s.indexOf(old); i >= 0 && hits < count; i = s.indexOf(old, i + old.length())) {
        hits++;
      }
    }
    return s.length() + hits * ((long) replacement.length() - old.length());
  }

  private static String shorten(String s) {
    return s.length() > 20 ? s.substring(0, 20) + "…" : s;
  }

  private static final class Checked implements Filter {
    private final Filter delegate;
    private final BiFunction<Object, String[], String> check;

    Checked(Filter delegate, BiFunction<Object, String[], String> check) {
      this.delegate = delegate;
      this.check = check;
    }

    @Override
    public String getName() {
      return delegate.getName();
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      String problem = check.apply(var, args);
      if (problem != null) {
        JinjavaRenderer.refuse(problem);
      }
      return delegate.filter(var, interpreter, args);
    }

    @Override
    public boolean preserveSafeString() {
      return delegate.preserveSafeString();
    }
  }
}
