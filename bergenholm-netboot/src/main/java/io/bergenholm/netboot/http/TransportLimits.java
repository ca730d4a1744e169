package io.bergenholm.netboot.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on what one client may hold of the server, so that no machine on the provisioning network
 * can slow another's boot: connections, the time to send a request, requests queued on a
 * connection, what is read after a refused body, and how fast one address may register hosts.
 *
 * @param maxConnections open connections per listener; beyond, a new connection gets a 503 and is
 *     closed
 * @param maxConnectionsPerAddress open connections from one source address, per listener
 * @param requestReadTimeout from a request's first byte to its last (head and body); beyond, the
 *     connection is closed. Paused while the server itself stops reading (pipelining bound).
 * @param maxPipelined requests read on one connection and not yet answered; beyond, the server
 *     stops reading from that connection until answers go out
 * @param maxPipelinedBytes request body bytes held for those queued requests, per connection
 * @param lingerBytes after a 413, how much more of the body is read and dropped so that the client
 *     sees the answer rather than a reset
 * @param lingerTime how long that reading may last at most
 * @param registrationsPerMinute how fast one source address may call {@code /ipxe/register},
 *     sustained
 * @param registrationBurst registrations one source address may make at once
 * @param maxUnassignedHosts hosts that registered themselves and are still only in group {@code
 *     default}; beyond, {@code /ipxe/register} answers 429 until an operator assigns or deletes
 *     some
 */
public record TransportLimits(
    int maxConnections,
    int maxConnectionsPerAddress,
    Duration requestReadTimeout,
    int maxPipelined,
    int maxPipelinedBytes,
    long lingerBytes,
    Duration lingerTime,
    int registrationsPerMinute,
    int registrationBurst,
    int maxUnassignedHosts) {
  public TransportLimits {
    positive("maxConnections", maxConnections);
    positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
    Objects.requireNonNull(requestReadTimeout, "requestReadTimeout");
    if (requestReadTimeout.isNegative() || requestReadTimeout.isZero()) {
      throw new IllegalArgumentException(
          "requestReadTimeout must be positive, was " + requestReadTimeout);
    }
    positive("maxPipelined", maxPipelined);
    positive("maxPipelinedBytes", maxPipelinedBytes);
    if (lingerBytes < 0) {
      throw new IllegalArgumentException("lingerBytes must not be negative, was " + lingerBytes);
    }
    Objects.requireNonNull(lingerTime, "lingerTime");
    positive("registrationsPerMinute", registrationsPerMinute);
    positive("registrationBurst", registrationBurst);
    positive("maxUnassignedHosts", maxUnassignedHosts);
  }

  /**
   * 4096 connections, 128 per address, 30 s to send a request, 16 queued requests or 2 MiB of their
   * bodies per connection, lingering 16 MiB or 5 s after a 413, 10 registrations a minute per
   * address with bursts of 10, 1000 unassigned registered hosts.
   */
  public static TransportLimits defaults() {
    return new TransportLimits(
        4096,
        128,
        Duration.ofSeconds(30),
        16,
        2 << 20,
        16L << 20,
        Duration.ofSeconds(5),
        10,
        10,
        1000);
  }

  public TransportLimits withConnections(int total, int perAddress) {
    return new TransportLimits(
        total,
        perAddress,
        requestReadTimeout,
        maxPipelined,
        maxPipelinedBytes,
        lingerBytes,
        lingerTime,
        registrationsPerMinute,
        registrationBurst,
        maxUnassignedHosts);
  }

  public TransportLimits withRequestReadTimeout(Duration timeout) {
    return new TransportLimits(
        maxConnections,
        maxConnectionsPerAddress,
        timeout,
        maxPipelined,
        maxPipelinedBytes,
        lingerBytes,
        lingerTime,
        registrationsPerMinute,
        registrationBurst,
        maxUnassignedHosts);
  }

  public TransportLimits withPipelining(int requests, int bodyBytes) {
    return new TransportLimits(
        maxConnections,
        maxConnectionsPerAddress,
        requestReadTimeout,
        requests,
        bodyBytes,
        lingerBytes,
        lingerTime,
        registrationsPerMinute,
        registrationBurst,
        maxUnassignedHosts);
  }

  public TransportLimits withLinger(long bytes, Duration time) {
    return new TransportLimits(
        maxConnections,
        maxConnectionsPerAddress,
        requestReadTimeout,
        maxPipelined,
        maxPipelinedBytes,
        bytes,
        time,
        registrationsPerMinute,
        registrationBurst,
        maxUnassignedHosts);
  }

  public TransportLimits withRegistrations(int perMinute, int burst, int maxUnassigned) {
    return new TransportLimits(
        maxConnections,
        maxConnectionsPerAddress,
        requestReadTimeout,
        maxPipelined,
        maxPipelinedBytes,
        lingerBytes,
        lingerTime,
        perMinute,
        burst,
        maxUnassigned);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
