package io.bergenholm.netboot.tftp;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of option negotiation for one read (RFC 2347-2349, RFC 7440): what the transfer uses
 * and what goes into the OACK. Options the server does not know, and values that make no sense, are
 * left out of the OACK, which RFC 2347 defines as refusing them; the client then falls back to the
 * default for that option. Values that are merely too large are lowered, as RFC 2348 and RFC 7440
 * allow.
 */
record TransferOptions(
    int blockSize, int windowSize, Duration timeout, Map<String, String> acknowledged) {

  static final int DEFAULT_BLOCK_SIZE = 512;
  static final int MIN_BLOCK_SIZE = 8;
  static final int MAX_BLOCK_SIZE = 65464;
  static final int MAX_WINDOW_SIZE = 65535;

  TransferOptions {
    acknowledged = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(acknowledged));
  }

  boolean needsOptionAck() {
    return !acknowledged.isEmpty();
  }

  /**
   * @param size bytes the transfer will send, for {@code tsize}
   * @param maxBlockSize the largest block the server sends
   * @param maxWindowBytes the most bytes in flight per window: a window larger than the client's
   *     socket buffer loses packets, so the window is cut to fit whatever is asked
   */
  static TransferOptions negotiate(
      Map<String, String> requested,
      long size,
      int maxBlockSize,
      int maxWindowBytes,
      Duration defaultTimeout) {
    Map<String, String> ack = new LinkedHashMap<>();
    int blockSize = DEFAULT_BLOCK_SIZE;
    Long askedBlock = number(requested.get("blksize"));
    if (askedBlock != null && askedBlock >= MIN_BLOCK_SIZE) {
      blockSize = (int) Math.min(askedBlock, maxBlockSize);
      ack.put("blksize", Integer.toString(blockSize));
    }
    Long askedTimeout = number(requested.get("timeout"));
    Duration timeout = defaultTimeout;
    if (askedTimeout != null && askedTimeout >= 1 && askedTimeout <= 255) {
      timeout = Duration.ofSeconds(askedTimeout);
      ack.put("timeout", Long.toString(askedTimeout));
    }
    Long askedSize = number(requested.get("tsize"));
    if (askedSize != null) {
      ack.put("tsize", Long.toString(size));
    }
    int windowSize = 1;
    Long askedWindow = number(requested.get("windowsize"));
    if (askedWindow != null && askedWindow >= 1) {
      long fits = Math.max(1, maxWindowBytes / blockSize);
      windowSize = (int) Math.min(Math.min(askedWindow, MAX_WINDOW_SIZE), fits);
      ack.put("windowsize", Integer.toString(windowSize));
    }
    return new TransferOptions(blockSize, windowSize, timeout, ack);
  }

  /**
   * A plain non-negative decimal of at most 10 digits, else null (not a number this server
   * accepts).
   */
  private static Long number(String value) {
    if (value == null || value.isEmpty() || value.length() > 10) {
      return null;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return null;
      }
    }
    return Long.parseLong(value);
  }
}
