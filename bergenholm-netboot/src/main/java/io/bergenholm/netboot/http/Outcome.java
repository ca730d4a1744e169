package io.bergenholm.netboot.http;

/** What a route produced: a complete reply, or an image the {@link ImageStreamer} writes. */
sealed interface Outcome permits Reply, ImageReply {}
