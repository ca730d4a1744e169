package io.bergenholm.engine.render;

import java.util.Optional;

/**
 * Where {@code {% include %}}, {@code {% import %}} and {@code {% from %}} find other templates.
 * The engine passes its store's templates; nothing else (no file, no class path, no URL) is
 * reachable.
 */
@FunctionalInterface
public interface TemplateSource {
  Optional<String> find(String name);
}
