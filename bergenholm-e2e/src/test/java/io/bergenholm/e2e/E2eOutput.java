package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each boot's serial console and what Bergenholm logged during it under {@code
 * target/e2e/<suite>/} for diagnosis, and appends each boot's outcome, time and console milestones
 * to {@code target/e2e/<suite>/summary.txt}.
 */
final class E2eOutput {
  private static final Logger log = LoggerFactory.getLogger(E2eOutput.class);

  private E2eOutput() {}

  /** A fresh folder for one suite's files. */
  static Path directory(String suite) throws IOException {
    Path dir = Path.of("target", "e2e", suite).toAbsolutePath();
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    return dir;
  }

  static void record(Path dir, Qemu.Boot boot, String serverLog) throws IOException {
    Files.writeString(dir.resolve(boot.name() + "-bergenholm.log"), serverLog);
    String milestones =
        boot.milestones().stream()
            .map(l -> "    " + abbreviate(l.toString()))
            .collect(Collectors.joining("\n"));
    String entry = dir.getFileName() + "/" + boot + "\n" + milestones + "\n";
    Files.writeString(
        dir.resolve("summary.txt"), entry, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    log.info("{}", entry);
  }

  private static String abbreviate(String line) {
    return line.length() > 160 ? line.substring(0, 157) + "..." : line;
  }
}
