package io.bergenholm.engine.image;

/**
 * The image counters at one moment, counted since the service started.
 *
 * @param hits requests answered from the cache without asking upstream
 * @param misses requests that needed a download (a new one, or joining one in flight)
 * @param revalidations conditional requests sent upstream for a cached image
 * @param bytesServed image bytes the transports wrote to clients
 * @param bytesFetched image bytes received from upstream
 * @param upstreamFetches requests sent upstream (downloads and revalidations)
 * @param failures downloads or revalidations that failed
 * @param digestsAfterward SHA-256 digests computed from the cache after a download that no host had
 *     named a digest for (once per stored image, when it was released or when a host first asked)
 * @param cachedBytes bytes the cache holds now
 * @param cachedImages images the cache holds now
 */
public record ImageMetricsSnapshot(
    long hits,
    long misses,
    long revalidations,
    long bytesServed,
    long bytesFetched,
    long upstreamFetches,
    long failures,
    long digestsAfterward,
    long cachedBytes,
    int cachedImages) {}
