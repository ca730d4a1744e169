package io.bergenholm.netboot.http;

import io.bergenholm.engine.image.ImageHandle;
import java.util.concurrent.CompletableFuture;

/**
 * An image to stream to the client: {@code handle} completes once the image is open (at once when
 * it is cached), or fails the way any route fails, and is then answered by {@link ErrorReplies}.
 */
record ImageReply(String hostId, CompletableFuture<ImageHandle> handle) implements Outcome {}
