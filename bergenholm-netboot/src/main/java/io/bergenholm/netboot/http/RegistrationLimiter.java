package io.bergenholm.netboot.http;

import java.net.InetAddress;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per source address for {@code /ipxe/register}: each address may register {@code
 * burst} hosts at once and then {@code perMinute} a minute, so that one machine flooding the route
 * spends only its own allowance and never another machine's. The table of addresses is bounded:
 * buckets that have refilled are forgotten first, and if it is still full, new addresses wait.
 */
final class RegistrationLimiter {
  static final int MAX_ADDRESSES = 65_536;

  private final int burst;
  private final double tokensPerNano;
  private final LongSupplier clock;
  private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

  RegistrationLimiter(int perMinute, int burst) {
    this(perMinute, burst, System::nanoTime);
  }

  RegistrationLimiter(int perMinute, int burst, LongSupplier clock) {
    this.burst = burst;
    this.tokensPerNano = perMinute / 60e9;
    this.clock = clock;
  }

  /**
   * Takes one registration from {@code source}'s allowance; empty if allowed, else the seconds to
   * wait.
   */
  OptionalLong acquire(InetAddress source) {
    long now = clock.getAsLong();
    Bucket bucket = buckets.get(source);
    if (bucket == null) {
      if (buckets.size() >= MAX_ADDRESSES) {
        buckets.values().removeIf(b -> b.full(now));
        if (buckets.size() >= MAX_ADDRESSES) {
          return OptionalLong.of(60);
        }
      }
      bucket = buckets.computeIfAbsent(source, a -> new Bucket(burst, now));
    }
    return bucket.take(now);
  }

  private final class Bucket {
    private double tokens;
    private long updated;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updated = now;
    }

    synchronized OptionalLong take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return OptionalLong.empty();
      }
      return OptionalLong.of(Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerNano / 1e9)));
    }

    synchronized boolean full(long now) {
      refill(now);
      return tokens >= burst;
    }

    private void refill(long now) {
      tokens = Math.min(burst, tokens + (now - updated) * tokensPerNano);
      updated = now;
    }
  }
}
