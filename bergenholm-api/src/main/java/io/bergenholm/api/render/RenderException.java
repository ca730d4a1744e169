package io.bergenholm.api.render;

import io.bergenholm.api.BadInputException;
import java.util.OptionalInt;

/**
 * A template could not be rendered: a syntax error, an undefined variable in strict mode, or a
 * limit (output size, loop iterations, nesting) reached. Names the template and, where known, the
 * line.
 */
public final class RenderException extends BadInputException {
  /** The template the failure is in. */
  private final String template;

  /** The 1-based line, or 0 if unknown. */
  private final int line;

  /** Whether the failure came from the moment rather than from the template. */
  private final boolean retryable;

  /**
   * Creates the exception.
   *
   * @param template the template's name, or a description of the text rendered
   * @param line the 1-based line, or 0 if unknown
   * @param reason what is wrong
   */
  public RenderException(String template, int line, String reason) {
    this(template, line, reason, false);
  }

  /**
   * Creates the exception.
   *
   * @param template the template's name, or a description of the text rendered
   * @param line the 1-based line, or 0 if unknown
   * @param reason what is wrong
   * @param retryable whether the same render may succeed later with nothing changed, as one stopped
   *     by a wall-clock deadline on a busy server may: such a failure is remembered for a short
   *     time only, not until the template or the parameters change
   */
  public RenderException(String template, int line, String reason, boolean retryable) {
    super("template '" + template + "'" + (line > 0 ? " line " + line : "") + ": " + reason);
    this.template = template;
    this.line = line;
    this.retryable = retryable;
  }

  /**
   * The template the failure is in.
   *
   * @return its name, or a description such as {@code parameter 'kernel' of group 'centos'}
   */
  public String template() {
    return template;
  }

  /**
   * @return the 1-based line of the failure, if known
   */
  public OptionalInt line() {
    return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
  }

  /**
   * @return whether the same render may succeed later with nothing changed (a stop by time)
   */
  public boolean retryable() {
    return retryable;
  }
}
