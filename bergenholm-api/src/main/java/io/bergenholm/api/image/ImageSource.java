package io.bergenholm.api.image;

/**
 * Fetches boot images from where a host's parameters say they are. Sources stream: {@link
 * ImageResponse#body()} yields bytes as they arrive, and nothing is held whole in memory.
 *
 * <p>Error contract of {@link #fetch}:
 *
 * <ul>
 *   <li><b>not found</b>: an image the source says does not exist (HTTP 404, a missing file) is a
 *       {@link io.bergenholm.api.NotFoundException};
 *   <li><b>bad input</b>: a URL the source cannot fetch (wrong scheme, malformed, a path outside
 *       what it serves) is a {@link io.bergenholm.api.BadInputException} naming the parameter or
 *       URL;
 *   <li><b>unavailable</b>: any other refusal, a timeout or an unreachable server is an {@link
 *       io.bergenholm.api.UpstreamException} naming the URL (never its password); the engine
 *       answers 502 and the boot may retry;
 *   <li>a fault after the response began surfaces as an {@link java.io.IOException} from the body;
 *       the engine discards what it cached of that image.
 * </ul>
 *
 * "Conflict" does not arise. Thread interruption ends a fetch with an {@link
 * io.bergenholm.api.UpstreamException} and the interrupt flag set again.
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
