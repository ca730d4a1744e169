package io.bergenholm.api.render;

import io.bergenholm.api.Provider;

/**
 * Creates {@link TemplateRenderer}s; the engine's default is named {@code jinjava}, and config key
 * {@code renderer} picks another. A renderer that supports includes reads them through {@link
 * io.bergenholm.api.ProviderContext#storedTemplate}, and from nowhere else.
 *
 * <p>Error contract of {@link #create}: a setting the renderer cannot use is a {@link
 * io.bergenholm.api.BadInputException} naming the key. Nothing else is expected: a renderer reaches
 * no backing system when it is created.
 */
public interface RendererProvider extends Provider<TemplateRenderer> {}
