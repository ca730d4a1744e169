package io.bergenholm.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The kernel and initrd the test machines install, built once per machine and cached between runs
 * in {@code $XDG_CACHE_HOME/bergenholm-e2e/images} (default {@code
 * ~/.cache/bergenholm-e2e/images}). The kernel and its network modules are Debian's (downloaded
 * once with {@code apt-get download}); all of it is rebuilt when the script that builds it changes,
 * so kernel and modules always match.
 */
final class BootImages {
  /** What the initrd prints once it runs; its presence on the console means the install booted. */
  static final String MARKER = "BERGENHOLM-E2E-OK";

  private static final String SCRIPT = "/e2e/build-boot-images.sh";

  private BootImages() {}

  static Path directory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("bergenholm-e2e").resolve("images");
  }

  /**
   * Builds what is missing or stale and returns the folder holding {@code vmlinuz} and {@code
   * initrd.gz}.
   */
  static synchronized Path ensure() throws IOException, InterruptedException {
    Path dir = directory();
    Files.createDirectories(dir);
    byte[] script;
    try (InputStream in = BootImages.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IOException("missing test resource " + SCRIPT);
      }
      script = in.readAllBytes();
    }
    String stamp = sha256(script) + " " + MARKER;
    Path stampFile = dir.resolve("initrd.stamp");
    boolean fresh = Files.exists(stampFile) && Files.readString(stampFile).strip().equals(stamp);
    if (!fresh) {
      Files.deleteIfExists(dir.resolve("initrd.gz"));
      Files.deleteIfExists(dir.resolve("vmlinuz"));
    }
    if (nonEmpty(dir.resolve("vmlinuz")) && nonEmpty(dir.resolve("initrd.gz"))) {
      return dir;
    }
    Path scriptFile = Files.createTempFile("build-boot-images", ".sh");
    Path out = dir.resolve("build.log");
    Files.deleteIfExists(out);
    try {
      Files.write(scriptFile, script);
      // The build downloads the kernel package once; 10 minutes bound a slow mirror.
      ManagedProcess build =
          ManagedProcess.start(
              "build-boot-images",
              out,
              List.of("bash", scriptFile.toString(), dir.toString(), MARKER));
      try (build) {
        if (!build.waitFor(600_000)) {
          throw new IOException("building boot images took over 10 minutes:\n" + build.logText());
        }
        if (build.exitValue() != 0) {
          throw new IOException("building boot images failed:\n" + build.logText());
        }
      }
    } finally {
      Files.deleteIfExists(scriptFile);
    }
    Files.writeString(stampFile, stamp + "\n", StandardCharsets.UTF_8);
    return dir;
  }

  private static boolean nonEmpty(Path p) throws IOException {
    return Files.isRegularFile(p) && Files.size(p) > 0;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
