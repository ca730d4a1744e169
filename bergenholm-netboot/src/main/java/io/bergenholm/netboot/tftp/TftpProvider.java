package io.bergenholm.netboot.tftp;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Files made per request for names of a shape a provider knows (a rendered config, an image
 * streamed through the cache), consulted before the root folder.
 *
 * <p>Error contract: {@link #open} returns empty when the name is not the provider's; a name of its
 * shape that is malformed throws {@link TftpRefusal} (the client gets its code and message). The
 * returned stage completes with the content, or fails with a {@link TftpRefusal} ({@code notFound},
 * {@code accessViolation}) or any other exception (answered as an undefined error with its
 * message). {@code open} runs on the server's lookup thread and must not block: slow work (store,
 * render, upstream) belongs on the provider's own executor.
 */
@FunctionalInterface
public interface TftpProvider {

  Optional<CompletionStage<TftpContent>> open(String name, InetSocketAddress peer);
}
