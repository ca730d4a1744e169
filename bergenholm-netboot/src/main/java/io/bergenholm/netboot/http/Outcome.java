package io.bergenholm.netboot.http;

/** What a route produced: a complete reply, or an image to hand to the {@link ImageRoute}. */
sealed interface Outcome permits Reply, ImageHandoff {}
