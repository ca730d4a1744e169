package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps each boot's serial console and Bergenholm's log under {@code target/e2e/<flow>/} for
 * diagnosis, and a one-line summary per boot in {@code target/e2e/summary.txt}.
 */
final class E2eOutput {
  private E2eOutput() {}

  static Path directory(String flow) throws IOException {
    Path dir = Path.of("target", "e2e", flow).toAbsolutePath();
    Files.createDirectories(dir);
    return dir;
  }

  static void record(Path dir, String flow, Qemu.Boot boot, String serverLog) throws IOException {
    Files.writeString(dir.resolve("bergenholm-" + System.nanoTime() + ".log"), serverLog);
    String line = flow + ": " + boot + System.lineSeparator();
    Files.writeString(dir.getParent().resolve("summary.txt"), line,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    System.out.print(line);
  }
}
