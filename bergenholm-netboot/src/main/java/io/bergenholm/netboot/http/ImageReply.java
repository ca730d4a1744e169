package io.bergenholm.netboot.http;

import io.bergenholm.engine.image.ImageHandle;
import java.util.concurrent.CompletableFuture;

/**
 * An image to stream to the client: {@code handle} completes once the image is open (at once when
 * it is cached), or fails the way any route fails, and is then answered by {@link ErrorReplies}.
 *
 * @param streamer what writes it
 * @param hostId the host whose image it is
 * @param image which of its images ({@code kernel}, {@code module}, {@code module1} …)
 * @param startedNanos when the request began ({@link System#nanoTime()}), for the boot event
 * @param handle the image, once open
 */
record ImageReply(
    ImageStreamer streamer,
    String hostId,
    String image,
    long startedNanos,
    CompletableFuture<ImageHandle> handle)
    implements Outcome {}
