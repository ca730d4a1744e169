package io.bergenholm.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The standalone runner, {@code bergenholm serve ...}, as a child JVM (optionally inside a network
 * namespace), started with the flags an operator uses. Its log is kept in a file; {@link #mark()}
 * and {@link #logSince(long)} cut out what it logged during one boot.
 */
final class BergenholmProcess implements AutoCloseable {
  /** The runner's entry point: what the {@code bergenholm} script starts from the runner's jar. */
  static final String MAIN = "io.bergenholm.server.Main";

  private static final long START_LIMIT_NANOS = 90_000_000_000L;

  private final ManagedProcess process;
  private final Optional<String> netns;
  private final String baseUrl;

  private BergenholmProcess(ManagedProcess process, Optional<String> netns, String baseUrl) {
    this.process = process;
    this.netns = netns;
    this.baseUrl = baseUrl;
  }

  /**
   * Starts {@code bergenholm serve} with {@code serveArgs} and waits until its HTTP side answers
   * {@code /healthz} at {@code httpAddress} (host:port).
   */
  static BergenholmProcess start(
      Optional<String> netns, Path log, String httpAddress, List<String> serveArgs)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classPath(),
                MAIN,
                "serve"));
    cmd.addAll(serveArgs);
    Files.deleteIfExists(log);
    Files.createDirectories(log.getParent());
    Files.writeString(
        log,
        "$ "
            + String.join(" ", Shell.in(netns, cmd)).replace(classPath(), "<test class path>")
            + "\n");
    BergenholmProcess p =
        new BergenholmProcess(
            ManagedProcess.start("bergenholm", log, Shell.in(netns, cmd)),
            netns,
            "http://" + httpAddress);
    try {
      p.awaitHealthy();
    } catch (RuntimeException | InterruptedException e) {
      p.close();
      throw e;
    }
    return p;
  }

  private void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + START_LIMIT_NANOS;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "bergenholm exited with status " + process.exitValue() + ":\n" + process.logText());
      }
      if (curl("-sf", "--max-time", "2", "-o", "/dev/null", baseUrl + "/healthz").exit() == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "bergenholm did not answer /healthz within 90 s:\n" + process.logText());
  }

  /** Runs curl where the server is reachable (inside its namespace, if any), bounded to 30 s. */
  Shell.Result curl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "--max-time", "30"));
    cmd.addAll(List.of(args));
    return Shell.run(Shell.in(netns, cmd));
  }

  /** The HTTP status a GET of {@code url} answers ("000" when nothing answered). */
  String status(String url) {
    return curl("-s", "-o", "/dev/null", "-w", "%{http_code}", url).output();
  }

  /** The length of the log so far, to cut out what one boot made the server log. */
  long mark() {
    return process.logText().length();
  }

  String logSince(long mark) {
    String text = process.logText();
    return text.substring((int) Math.min(mark, text.length()));
  }

  static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
