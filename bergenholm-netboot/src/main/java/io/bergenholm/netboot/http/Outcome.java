package io.bergenholm.netboot.http;

/** What a route produced: a complete reply, an image to hand to the {@link ImageRoute}, or a live event stream; or, from an inline handler, work for a worker ({@link Deferred}). */
sealed interface Outcome permits Reply, ImageHandoff, EventStream, Deferred {}
