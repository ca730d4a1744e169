package io.bergenholm.netboot.http;

/**
 * What a route produced: a complete reply, an image the {@link ImageStreamer} writes, or a live
 * event stream; or, from an inline handler, work for a worker ({@link Deferred}).
 */
sealed interface Outcome permits Reply, ImageReply, EventStream, Deferred {}
