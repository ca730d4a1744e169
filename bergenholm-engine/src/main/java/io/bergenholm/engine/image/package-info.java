/**
 * Boot images served through a bounded disk cache: {@link io.bergenholm.engine.image.ImageService}
 * downloads each image once however many machines ask for it at the same time, streams it to them
 * while it arrives, and revalidates cached copies with their upstream. Also the built-in {@code
 * http}, {@code https} and {@code file} image sources.
 */
package io.bergenholm.engine.image;
