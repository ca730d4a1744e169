package io.bergenholm.api.image;

/**
 * Fetches boot images from where a host's parameters say they are. Sources stream: {@link
 * ImageResponse#body()} yields bytes as they arrive, and nothing is held whole in memory.
 *
 * <p>Errors: an image the source says does not exist is an {@link
 * io.bergenholm.api.NotFoundException}; any other refusal, a timeout or an unreachable server is an
 * {@link io.bergenholm.api.UpstreamException} naming the URL (never its password). A fault after
 * the response began surfaces as an {@link java.io.IOException} from the body.
 */
public interface ImageSource {
  /**
   * Starts fetching an image; the body streams as it arrives.
   *
   * @param request the image and how to fetch it
   * @return the response, which the caller closes
   * @throws io.bergenholm.api.NotFoundException if the source says the image does not exist
   * @throws io.bergenholm.api.UpstreamException if the source refuses, fails or times out
   */
  ImageResponse fetch(ImageRequest request);
}
