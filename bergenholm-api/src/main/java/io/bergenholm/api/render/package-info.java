/**
 * The renderer SPI: template engines for iPXE scripts, kickstart and preseed files and for
 * parameters that reference parameters. A plugin implements {@link
 * io.bergenholm.api.render.RendererProvider}; the engine ships {@code jinjava}.
 */
package io.bergenholm.api.render;
