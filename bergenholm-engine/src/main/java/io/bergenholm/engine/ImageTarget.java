package io.bergenholm.engine;

import java.net.URI;
import java.util.Optional;

/**
 * The remote image a host's parameters name for one of its image routes.
 *
 * @param parameter the parameter that named it ({@code kernel}, {@code module}, {@code module2}…)
 * @param url the image's URL
 * @param proxy the host's {@code proxy_url}, if set
 * @param sha256 the expected digest from {@code <parameter>_sha256}, lower-case hex, if set
 */
public record ImageTarget(
    String parameter, URI url, Optional<URI> proxy, Optional<String> sha256) {}
