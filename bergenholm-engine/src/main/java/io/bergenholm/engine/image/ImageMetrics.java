package io.bergenholm.engine.image;

import java.util.concurrent.atomic.LongAdder;

/** The image counters, added to from any thread. */
final class ImageMetrics {
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder revalidations = new LongAdder();
  final LongAdder bytesServed = new LongAdder();
  final LongAdder bytesFetched = new LongAdder();
  final LongAdder upstreamFetches = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder digestsAfterward = new LongAdder();

  ImageMetricsSnapshot snapshot(long cachedBytes, int cachedImages) {
    return new ImageMetricsSnapshot(
        hits.sum(),
        misses.sum(),
        revalidations.sum(),
        bytesServed.sum(),
        bytesFetched.sum(),
        upstreamFetches.sum(),
        failures.sum(),
        digestsAfterward.sum(),
        cachedBytes,
        cachedImages);
  }
}
