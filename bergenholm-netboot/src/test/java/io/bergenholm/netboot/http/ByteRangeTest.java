package io.bergenholm.netboot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Range headers against a plain model of RFC 9110's single byte range, on seeded random input. */
class ByteRangeTest {
  private static final long SEED = 0x6a09e667L;

  @Test
  void singleRangesFollowTheRfc() {
    Random random = new Random(SEED);
    for (int i = 0; i < 20_000; i++) {
      long length = random.nextInt(4) == 0 ? random.nextInt(3) : 1 + random.nextInt(1_000_000);
      long a = random.nextInt((int) Math.min(Integer.MAX_VALUE, length + 10));
      long b = random.nextInt((int) Math.min(Integer.MAX_VALUE, length + 10));
      String header =
          switch (random.nextInt(3)) {
            case 0 -> "bytes=" + a + "-" + b;
            case 1 -> "bytes=" + a + "-";
            default -> "bytes=-" + b;
          };
      ByteRange.Request got = ByteRange.parse(Optional.of(header), length);
      assertThat(got)
          .as("seed %s, %s of %s bytes", SEED, header, length)
          .isEqualTo(model(header, length));
      if (got instanceof ByteRange.Request.Partial p) {
        assertThat(p.range().first()).isBetween(0L, length - 1);
        assertThat(p.range().last()).isBetween(p.range().first(), length - 1);
      }
    }
  }

  /** What RFC 9110 section 14.1.2 asks, written out case by case. */
  private static ByteRange.Request model(String header, long length) {
    String spec = header.substring("bytes=".length());
    int dash = spec.indexOf('-');
    String first = spec.substring(0, dash);
    String last = spec.substring(dash + 1);
    if (first.isEmpty()) {
      long suffix = Long.parseLong(last);
      if (suffix == 0 || length == 0) {
        return new ByteRange.Request.Unsatisfiable();
      }
      return new ByteRange.Request.Partial(new ByteRange(Math.max(0, length - suffix), length - 1));
    }
    long f = Long.parseLong(first);
    if (!last.isEmpty() && Long.parseLong(last) < f) {
      return new ByteRange.Request.Whole(); // invalid: ignored
    }
    if (f >= length) {
      return new ByteRange.Request.Unsatisfiable();
    }
    long l = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
    return new ByteRange.Request.Partial(new ByteRange(f, l));
  }

  @Test
  void otherFormsServeTheWholeImage() {
    for (String header :
        new String[] {"bytes=0-1,5-6", "items=0-5", "bytes=x-5", "bytes=-", "bytes=5"}) {
      assertThat(ByteRange.parse(Optional.of(header), 100))
          .as(header)
          .isEqualTo(new ByteRange.Request.Whole());
    }
    assertThat(ByteRange.parse(Optional.empty(), 100)).isEqualTo(new ByteRange.Request.Whole());
  }
}
