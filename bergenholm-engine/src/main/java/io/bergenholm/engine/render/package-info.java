/**
 * The built-in {@code jinjava} renderer: Jinja templates through Jinjava, sandboxed and bounded by
 * {@link io.bergenholm.engine.render.RenderLimits}.
 */
package io.bergenholm.engine.render;
