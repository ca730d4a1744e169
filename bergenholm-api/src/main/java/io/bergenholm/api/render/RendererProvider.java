package io.bergenholm.api.render;

import io.bergenholm.api.Provider;

/** Creates {@link TemplateRenderer}s; the engine's default is named {@code jinjava}. */
public interface RendererProvider extends Provider<TemplateRenderer> {}
