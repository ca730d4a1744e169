package io.bergenholm.netboot;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of valid inputs, for the boot-side fuzz tests: bit flips, byte overwrites with
 * interesting values, truncation, duplication and insertion of slices, and sometimes plain noise.
 * The same seed gives the same inputs, so a failure names its seed and input number and replays.
 */
public final class Mutator {
  private static final byte[] INTERESTING = {
    0,
    (byte) 0xff,
    0x7f,
    (byte) 0x80,
    1,
    '\r',
    '\n',
    ':',
    '/',
    '%',
    '?',
    '&',
    '=',
    ' ',
    '\t',
    '"',
    '{',
    '}',
    '.',
    '\\'
  };

  private final Random random;
  private final List<byte[]> seeds;

  public Mutator(long seed, List<byte[]> seeds) {
    this.random = new Random(seed);
    this.seeds = List.copyOf(seeds);
  }

  public Random random() {
    return random;
  }

  /** The next input: one of the seeds mutated 1 to 8 times, or (one time in 20) random bytes. */
  public byte[] next(int maxLength) {
    if (random.nextInt(20) == 0) {
      byte[] noise = new byte[random.nextInt(maxLength + 1)];
      random.nextBytes(noise);
      return noise;
    }
    byte[] b = seeds.get(random.nextInt(seeds.size())).clone();
    int rounds = 1 + random.nextInt(8);
    for (int i = 0; i < rounds; i++) {
      b = mutate(b, maxLength);
    }
    return b;
  }

  private byte[] mutate(byte[] b, int maxLength) {
    if (b.length == 0) {
      return new byte[] {(byte) random.nextInt(256)};
    }
    int at = random.nextInt(b.length);
    switch (random.nextInt(6)) {
      case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
      case 1 -> b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
      case 2 -> b = Arrays.copyOf(b, at);
      case 3 -> { // duplicate a slice in place
        int len = Math.min(1 + random.nextInt(64), b.length - at);
        byte[] out = new byte[Math.min(maxLength, b.length + len)];
        System.arraycopy(b, 0, out, 0, at + len);
        System.arraycopy(b, at, out, at + len, Math.min(len, out.length - at - len));
        if (out.length > at + 2 * len) {
          System.arraycopy(b, at + len, out, at + 2 * len, out.length - at - 2 * len);
        }
        b = out;
      }
      case 4 -> { // insert random bytes
        int len = 1 + random.nextInt(16);
        byte[] out = new byte[Math.min(maxLength, b.length + len)];
        System.arraycopy(b, 0, out, 0, Math.min(at, out.length));
        for (int i = at; i < Math.min(at + len, out.length); i++) {
          out[i] = (byte) random.nextInt(256);
        }
        if (out.length > at + len) {
          System.arraycopy(b, at, out, at + len, out.length - at - len);
        }
        b = out;
      }
      default -> b[at] = (byte) random.nextInt(256);
    }
    return b;
  }
}
