package io.bergenholm.api.render;

import io.bergenholm.api.BadInputException;
import java.util.OptionalInt;

/**
 * A template could not be rendered: a syntax error, an undefined variable in strict mode, or a
 * limit (output size, loop iterations, nesting) reached. Names the template and, where known, the
 * line.
 */
public final class RenderException extends BadInputException {
  private final String template;
  private final int line;

  /** {@code line} is 1-based, or 0 if unknown. */
  public RenderException(String template, int line, String reason) {
    super("template '" + template + "'" + (line > 0 ? " line " + line : "") + ": " + reason);
    this.template = template;
    this.line = line;
  }

  /** The template's name, or a description such as {@code parameter 'kernel' of group 'centos'}. */
  public String template() {
    return template;
  }

  public OptionalInt line() {
    return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
  }
}
