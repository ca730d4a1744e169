package io.bergenholm.api.render;

import java.util.Map;

/**
 * Renders template text against a context of parameters. The same renderer serves iPXE scripts,
 * kickstart and preseed files, and the expansion of parameters that reference parameters.
 *
 * <p>Implementations are thread-safe and sandboxed: a template cannot reach Java objects, files or
 * the network, and limits on output size, loop iterations and nesting stop a hostile template.
 *
 * <p>Error contract: <b>bad input</b> (a syntax error, an undefined variable in strict mode, a
 * limit reached) is a {@link RenderException} naming the template and, where known, the line; an
 * include of a template that does not exist is <b>not found</b>, reported as a {@link
 * RenderException} too (the name of the missing template in its message), since the caller's
 * template is what is wrong; a store that cannot be reached while an include is read is
 * <b>unavailable</b>, the {@link io.bergenholm.api.UnavailableException} passed through unchanged.
 * "Conflict" does not arise.
 */
public interface TemplateRenderer {
  /**
   * Renders {@code text}.
   *
   * @param name names the template in errors: a template name, or a description such as {@code
   *     parameter 'kernel' of group 'centos'}
   * @param text the template text
   * @param context the variables; values are of the types {@link io.bergenholm.api.Params} allows
   * @return the rendered text
   * @throws RenderException on a syntax error, an undefined variable in strict mode, or a limit
   */
  String render(String name, String text, Map<String, ?> context);

  /**
   * Whether {@code text} holds any markup of this renderer, so that rendering could change it. Text
   * without markup is its own rendering; callers skip it.
   *
   * @param text the text to look at
   * @return true if it holds markup
   */
  boolean hasMarkup(String text);
}
