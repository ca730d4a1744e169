package io.bergenholm.netboot.http;

import java.util.function.Supplier;

/**
 * What an inline handler (run on the event loop) answers when it cannot answer at once: the work
 * that may block, to run on a worker. Lets a route serve its warm case without leaving the event
 * loop and its cold case like any other route.
 */
record Deferred(Supplier<Outcome> work) implements Outcome {}
