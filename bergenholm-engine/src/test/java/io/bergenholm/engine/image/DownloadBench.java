package io.bergenholm.engine.image;

import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageResponse;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The cold path's stages on their own, for {@code bench/download-bench.sh}: how fast the HTTP
 * source receives an image ({@code receive}), receives and writes it on one thread ({@code write}),
 * receives, writes and hashes it through the download's {@link WritePipeline} ({@code pipeline},
 * what a cold fetch does when a host names a digest), the same without hashing ({@code
 * pipeline-nohash}, what it does otherwise: the digest comes after the image is released), and how
 * fast SHA-256 runs here ({@code sha256}, no network). Arguments: mode, URL, runs, scratch file.
 * Prints the median and the range in MiB/s; the first two runs are JVM warm-up and not counted.
 */
final class DownloadBench {
  private DownloadBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    URI url = URI.create(args[1]);
    int runs = Integer.parseInt(args[2]);
    Path scratch = Path.of(args[3]);
    HttpImageSource source = new HttpImageSource();
    List<Double> mibPerSecond = new ArrayList<>();
    for (int run = -2; run < runs; run++) {
      long started = System.nanoTime();
      long bytes =
          mode.equals("sha256")
              ? sha256(100L << 20)
              : fetch(source, mode, URI.create(url + "?run=" + run), scratch);
      double seconds = (System.nanoTime() - started) / 1e9;
      Files.deleteIfExists(scratch);
      if (run >= 0) {
        mibPerSecond.add(bytes / 1048576.0 / seconds);
      }
    }
    Collections.sort(mibPerSecond);
    System.out.printf(
        Locale.ROOT,
        "%-8s median %5.0f MiB/s (%.0f-%.0f, %d runs)%n",
        mode,
        mibPerSecond.get(mibPerSecond.size() / 2),
        mibPerSecond.get(0),
        mibPerSecond.get(mibPerSecond.size() - 1),
        runs);
  }

  private static long fetch(HttpImageSource source, String mode, URI url, Path scratch)
      throws Exception {
    try (ImageResponse response = source.fetch(ImageRequest.of(url, Duration.ofSeconds(10)));
        FileChannel out =
            FileChannel.open(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      InputStream body = response.body();
      ReadableByteChannel channel = (ReadableByteChannel) body;
      long total = 0;
      switch (mode) {
        case "receive", "write" -> {
          ByteBuffer buffer = ByteBuffer.allocateDirect(WritePipeline.BUFFER_SIZE);
          for (int n; (n = channel.read(buffer)) >= 0; ) {
            total += n;
            buffer.flip();
            if (mode.equals("write")) {
              while (buffer.hasRemaining()) {
                out.write(buffer);
              }
            }
            buffer.clear();
          }
        }
        case "pipeline", "pipeline-nohash" -> {
          boolean hash = mode.equals("pipeline");
          try (WritePipeline pipeline =
              new WritePipeline(out, url.toString(), "bench", n -> {}, hash)) {
            for (boolean ended = false; !ended; ) {
              ByteBuffer buffer = pipeline.take();
              int n = channel.read(buffer);
              if (n < 0) {
                ended = true;
              } else {
                total += n;
              }
              pipeline.submit(buffer);
            }
            pipeline.finish();
          }
        }
        default ->
            throw new IllegalArgumentException(
                "mode: receive, write, pipeline, pipeline-nohash or sha256");
      }
      if (total != response.contentLength().orElse(total)) {
        throw new IllegalStateException("received " + total + " bytes");
      }
      return total;
    }
  }

  private static long sha256(long bytes) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[WritePipeline.BUFFER_SIZE];
    for (long done = 0; done < bytes; done += block.length) {
      digest.update(block);
    }
    if (HexFormat.of().formatHex(digest.digest()).isEmpty()) {
      throw new IllegalStateException();
    }
    return bytes;
  }
}
