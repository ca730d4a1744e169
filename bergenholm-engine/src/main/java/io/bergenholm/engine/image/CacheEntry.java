package io.bergenholm.engine.image;

import java.time.Instant;
import java.util.Optional;

/**
 * What the cache knows of one image, kept in a {@code <key>.meta} file beside its data.
 *
 * @param key hex SHA-256 of the URL
 * @param url the URL without credentials, for people reading the cache directory
 * @param length the data's size in bytes
 * @param etag upstream's entity tag, to revalidate with
 * @param lastModified upstream's Last-Modified, to revalidate with
 * @param sha256 the data's digest, lower-case hex; empty until computed, when no host named a
 *     digest for the download that stored it (see {@link CacheDigests})
 * @param validatedAt when upstream last said (or showed) this is the current image
 */
record CacheEntry(
    String key,
    String url,
    long length,
    Optional<String> etag,
    Optional<String> lastModified,
    Optional<String> sha256,
    Instant validatedAt) {

  CacheEntry validated(Instant at) {
    return new CacheEntry(key, url, length, etag, lastModified, sha256, at);
  }

  CacheEntry withSha256(String hex) {
    return new CacheEntry(key, url, length, etag, lastModified, Optional.of(hex), validatedAt);
  }
}
