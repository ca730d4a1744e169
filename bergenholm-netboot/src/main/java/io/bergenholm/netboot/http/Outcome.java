package io.bergenholm.netboot.http;

/** What a route produced: a complete reply, an image to hand to the {@link ImageRoute}, or a live event stream. */
sealed interface Outcome permits Reply, ImageHandoff, EventStream {}
