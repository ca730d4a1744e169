/**
 * The image source SPI: fetching boot images (kernels, initrds) from where a host's parameters say
 * they are. A plugin implements {@link io.bergenholm.api.image.ImageSourceProvider} for the URL
 * schemes it fetches; the engine ships {@code http}, {@code https} and {@code file}.
 */
package io.bergenholm.api.image;
