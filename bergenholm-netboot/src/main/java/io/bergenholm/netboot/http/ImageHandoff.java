package io.bergenholm.netboot.http;

import io.bergenholm.engine.ImageTarget;

/** An image route resolved to its target; the {@link ImageRoute} writes the response. */
record ImageHandoff(ImageCall call, ImageTarget target) implements Outcome {}
