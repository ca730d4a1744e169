package io.bergenholm.netboot.http;

import io.bergenholm.engine.event.BootEvents;
import java.time.Duration;
import java.util.Optional;

/**
 * A route's answer that is a live Server-Sent Events stream of boot events; {@link SseStream}
 * writes it on the event loop.
 *
 * @param events the recorder to follow
 * @param subject only events about this host id, MAC or IP, if given
 * @param heartbeat how often a comment line keeps the connection (and proxies) awake
 */
record EventStream(BootEvents events, Optional<String> subject, Duration heartbeat)
    implements Outcome {}
