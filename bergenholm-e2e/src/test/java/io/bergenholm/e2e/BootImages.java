package io.bergenholm.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The kernel and initrd the test machines install, built once per machine and cached between runs
 * in {@code $XDG_CACHE_HOME/bergenholm-e2e} (default {@code ~/.cache/bergenholm-e2e}).
 */
final class BootImages {
  /** What the initrd prints once it runs; its presence on the console means the install booted. */
  static final String MARKER = "BERGENHOLM-E2E-OK";

  private BootImages() {}

  static Path directory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isEmpty()
        ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("bergenholm-e2e").resolve("images");
  }

  /** Builds what is missing and returns the folder holding {@code vmlinuz} and {@code initrd.gz}. */
  static synchronized Path ensure() throws IOException, InterruptedException {
    Path dir = directory();
    if (Files.size(orZero(dir.resolve("vmlinuz"))) > 0 && Files.size(orZero(dir.resolve("initrd.gz"))) > 0) {
      return dir;
    }
    Files.createDirectories(dir);
    Path script = Files.createTempFile("build-boot-images", ".sh");
    try (InputStream in = BootImages.class.getResourceAsStream("/e2e/build-boot-images.sh")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    try {
      Process p = new ProcessBuilder("bash", script.toString(), dir.toString(), MARKER)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IOException("building boot images failed:\n" + out);
      }
    } finally {
      Files.deleteIfExists(script);
    }
    return dir;
  }

  private static Path orZero(Path p) {
    return Files.exists(p) ? p : Path.of("/dev/null");
  }
}
