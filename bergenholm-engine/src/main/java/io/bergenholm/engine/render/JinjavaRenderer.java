package io.bergenholm.engine.render;

import com.google.common.collect.SetMultimap;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.Context.Library;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.fn.Functions;
import com.hubspot.jinjava.loader.ResourceLocator;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import com.hubspot.jinjava.tree.Node;
import io.bergenholm.api.UnavailableException;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.api.render.TemplateRenderer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Jinja templates through Jinjava, sandboxed: templates see only the context's plain values (no
 * method of a Java object, no class, no bean property), reach no file, class-path resource or URL
 * (includes come from a {@link TemplateSource} only), and are stopped by {@link RenderLimits}.
 * Thread-safe.
 */
public final class JinjavaRenderer implements TemplateRenderer {
  private static final ThreadLocal<Budget> BUDGET = new ThreadLocal<>();

  private final boolean strict;
  private final RenderLimits limits;
  private final Jinjava jinjava;
  private final JinjavaConfig config;

  public JinjavaRenderer(boolean strict, RenderLimits limits, TemplateSource templates) {
    this.strict = strict;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.config =
        JinjavaConfig.newBuilder()
            .withFailOnUnknownTokens(strict)
            .withMaxOutputSize(limits.maxOutputChars())
            .withMaxStringLength(limits.maxOutputChars())
            .withMaxRenderDepth(limits.maxDepth())
            .withMaxMacroRecursionDepth(limits.maxDepth())
            .withEnableRecursiveMacroCalls(false)
            .withRangeLimit(limits.rangeLimit())
            .withMaxListSize(limits.maxCollectionSize())
            .withMaxMapSize(limits.maxCollectionSize())
            // A value that looks like a template is data, not code to run again.
            .withNestedInterpretationEnabled(false)
            // Filters whose numeric argument sizes a string before any limit can see it.
            .withDisabled(Map.of(Context.Library.FILTER, Set.of("center", "format", "indent")))
            .withReadOnlyResolver(true)
            .withElResolver(
                new SandboxElResolver(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
            .withProcessors(
                JinjavaProcessors.newBuilder().withNodePreProcessor(new BudgetCharger()).build())
            .build();
    this.jinjava = new Jinjava(config);
    this.jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "range", CountedRange.class, "range", Object.class, Object[].class));
    CappedFilters.install(this.jinjava.getGlobalContext(), limits);
    this.jinjava.setResourceLocator(
        new StoreLocator(Objects.requireNonNull(templates, "templates")));
  }

  public boolean strict() {
    return strict;
  }

  public RenderLimits limits() {
    return limits;
  }

  @Override
  public boolean hasMarkup(String text) {
    return hasJinjaMarkup(text);
  }

  /** Jinja's three openers; text without any of them renders to itself. */
  static boolean hasJinjaMarkup(String text) {
    int i = text.indexOf('{');
    while (i >= 0 && i + 1 < text.length()) {
      char c = text.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return true;
      }
      i = text.indexOf('{', i + 1);
    }
    return false;
  }

  @Override
  public String render(String name, String text, Map<String, ?> variables) {
    Budget budget = new Budget(limits);
    String output;
    try {
      output = render(name, text, variables, budget);
    } catch (RenderException e) {
      if (budget.unavailable != null) {
        throw budget.unavailable;
      }
      throw e;
    }
    // Jinjava turns an exception in an include into a template error: a store that could not be
    // reached is reported as what it is, not as a fault of the template.
    if (budget.unavailable != null) {
      throw budget.unavailable;
    }
    return output;
  }

  private String render(String name, String text, Map<String, ?> variables, Budget budget) {
    Budget outer = BUDGET.get();
    BUDGET.set(budget);
    String output;
    List<TemplateError> errors;
    // Jinjava's own renderForResult copies its whole global context (every filter, tag and
    // function) for each call, which costs hundreds of microseconds; the global context is used
    // as the read-only parent instead, as nested renders do.
    Context context =
        new RenderContext(jinjava.getGlobalContext(), context(variables), config.getDisabled());
    JinjavaInterpreter interpreter =
        config.getInterpreterFactory().newInstance(jinjava, context, config);
    try (var current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
      output = current.value().render(withoutTrailingNewline(text));
      errors = interpreter.getErrors();
    } catch (LimitReached e) {
      throw e.failure(name, e.line);
    } catch (InterpretException e) {
      if (budget.reached != null) {
        // A limit stopped the render inside a tag, which Jinjava wraps as a tag error.
        throw budget.reached.failure(name, Math.max(budget.reached.line, e.getLineNumber()));
      }
      throw new RenderException(name, Math.max(0, e.getLineNumber()), describe(e));
    } catch (RenderException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new RenderException(name, 0, "template failed: " + describe(e));
    } finally {
      if (outer == null) {
        BUDGET.remove();
      } else {
        BUDGET.set(outer);
      }
    }
    if (budget.reached != null) {
      throw budget.reached.failure(name, budget.reached.line);
    }
    for (TemplateError error : errors) {
      if (isFailure(error)) {
        int line = Math.max(0, error.getLineno());
        if (error.getException() instanceof LimitReached lr) {
          throw lr.failure(name, line);
        }
        throw new RenderException(name, line, message(error));
      }
    }
    if (output.length() > limits.maxOutputChars()) {
      throw new RenderException(
          name, 0, "output is longer than " + limits.maxOutputChars() + " characters");
    }
    return output;
  }

  /**
   * Jinja drops one trailing newline of a template's source (not of its output: a variable's value
   * keeps its newline), as the Python project's iPXE scripts relied on.
   */
  static String withoutTrailingNewline(String text) {
    if (text.endsWith("\r\n")) {
      return text.substring(0, text.length() - 2);
    }
    if (text.endsWith("\n") || text.endsWith("\r")) {
      return text.substring(0, text.length() - 1);
    }
    return text;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> context(Map<String, ?> variables) {
    return (Map<String, Object>) variables;
  }

  private boolean isFailure(TemplateError error) {
    // Lenient Jinja tolerates an unknown variable (it renders as nothing); strict mode reports it.
    // Every other warning (an include cycle, a recursion limit) means the output is not what the
    // template says, so it fails the render rather than serve half a script.
    return error.getSeverity() == TemplateError.ErrorType.FATAL
        || strict
        || error.getReason() != TemplateError.ErrorReason.UNKNOWN;
  }

  private static String message(TemplateError error) {
    String m = error.getMessage();
    if (m == null || m.isBlank()) {
      m = error.getReason() + " " + error.getItem();
    }
    if (error.getException() instanceof LimitReached lr) {
      m = lr.getMessage();
    }
    return m;
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  /**
   * Jinja's {@code range()}, refusing a range longer than the limit instead of silently cutting it
   * short as Jinjava does. Public only because Jinjava calls it by reflection.
   */
  public static final class CountedRange {
    private CountedRange() {}

    public static List<Integer> range(Object first, Object... more) {
      Budget budget = BUDGET.get();
      long count = count(first, more);
      if (budget != null && count > budget.rangeLimit) {
        budget.reached =
            new LimitReached(
                0,
                "range() of "
                    + count
                    + " numbers is longer than the limit of "
                    + budget.rangeLimit);
        throw budget.reached;
      }
      return Functions.range(first, more);
    }

    private static long count(Object first, Object... more) {
      try {
        long start = 0;
        long stop;
        long step = 1;
        if (more == null || more.length == 0) {
          stop = number(first);
        } else {
          start = number(first);
          stop = number(more[0]);
          if (more.length > 1) {
            step = number(more[1]);
          }
        }
        if (step == 0) {
          return 0;
        }
        long span = step > 0 ? stop - start : start - stop;
        return span <= 0 ? 0 : (span + Math.abs(step) - 1) / Math.abs(step);
      } catch (NumberFormatException | ArithmeticException e) {
        return 0; // Jinjava's own range() reports what it cannot parse
      }
    }

    private static long number(Object o) {
      if (o instanceof Number n) {
        return n.longValue();
      }
      return Long.parseLong(String.valueOf(o).trim());
    }
  }

  /**
   * Stops the current render with {@code reason} (a filter argument beyond its cap); outside a
   * render, fails as a plain error.
   */
  static void refuse(String reason) {
    Budget budget = BUDGET.get();
    LimitReached stop = new LimitReached(0, reason);
    if (budget != null) {
      budget.reached = stop;
    }
    throw stop;
  }

  /** Per-render counters, charged before every node Jinjava evaluates. */
  private static final class Budget {
    private final long maxNodes;
    private final long rangeLimit;
    private final long deadline;
    private long nodes;
    private LimitReached reached;
    private UnavailableException unavailable;

    Budget(RenderLimits limits) {
      this.maxNodes = limits.maxNodes();
      this.rangeLimit = limits.rangeLimit();
      this.deadline = System.nanoTime() + limits.timeout().toNanos();
    }

    void charge(Node node) {
      if (reached != null) {
        throw reached;
      }
      if (++nodes > maxNodes) {
        reached =
            new LimitReached(
                node.getLineNumber(),
                "evaluated more than " + maxNodes + " template nodes (loop or recursion limit)");
        throw reached;
      }
      if (Thread.currentThread().isInterrupted()) {
        // The render worker's watchdog gave up on this render (deadline or memory).
        reached =
            new LimitReached(
                node.getLineNumber(), "rendering was stopped by its deadline or memory bound");
        throw reached;
      }
      if ((nodes & 63) == 0 && System.nanoTime() - deadline > 0) {
        reached =
            new LimitReached(
                node.getLineNumber(), "rendering took longer than the time limit", true);
        throw reached;
      }
    }
  }

  /** Thrown from inside Jinjava to stop a render; cheap (no stack trace), since it may repeat. */
  private static final class LimitReached extends RuntimeException {
    final int line;

    /** A wall-clock limit, which a busy server stretches too: the same render may succeed. */
    final boolean byTime;

    LimitReached(int line, String message) {
      this(line, message, false);
    }

    LimitReached(int line, String message, boolean byTime) {
      super(message, null, false, false);
      this.line = line;
      this.byTime = byTime;
    }

    RenderException failure(String template, int atLine) {
      return new RenderException(template, atLine, getMessage(), byTime);
    }
  }

  private static final class BudgetCharger extends JinjavaNodePreProcessor {
    @Override
    public void accept(Node node, JinjavaInterpreter interpreter) {
      super.accept(node, interpreter);
      Budget budget = BUDGET.get();
      if (budget != null) {
        budget.charge(node);
      }
    }
  }

  /**
   * A render's own context over the shared global one. Jinjava passes include dependencies up to
   * every parent; stopping them here keeps the shared global context unchanged, and so safe for
   * concurrent renders.
   */
  private static final class RenderContext extends Context {
    RenderContext(
        Context global, Map<String, Object> variables, Map<Library, Set<String>> disabled) {
      super(global, variables, disabled);
    }

    @Override
    public void addDependency(String type, String identification) {
      // not tracked: see the class comment
    }

    @Override
    public void addDependencies(SetMultimap<String, String> dependencies) {
      // not tracked: see the class comment
    }
  }

  /** Resolves include and import names against stored templates only. */
  private static final class StoreLocator implements ResourceLocator {
    private final TemplateSource templates;

    StoreLocator(TemplateSource templates) {
      this.templates = templates;
    }

    @Override
    public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter)
        throws ResourceNotFoundException {
      try {
        return templates
            .find(fullName)
            .orElseThrow(
                () -> new ResourceNotFoundException("no stored template named '" + fullName + "'"));
      } catch (UnavailableException e) {
        Budget budget = BUDGET.get();
        if (budget != null && budget.unavailable == null) {
          budget.unavailable = e;
        }
        throw e;
      }
    }
  }
}
