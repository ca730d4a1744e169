package io.bergenholm.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The standalone runner ({@code bergenholm serve}) as a child JVM, optionally inside a network
 * namespace, exactly as an operator starts it.
 */
final class BergenholmProcess implements AutoCloseable {
  /** The runner's entry point, as the {@code bergenholm} script starts it. */
  static final String MAIN = "io.bergenholm.server.Main";

  private final ManagedProcess process;
  private final Optional<String> netns;
  private final String healthUrl;

  private BergenholmProcess(ManagedProcess process, Optional<String> netns, String healthUrl) {
    this.process = process;
    this.netns = netns;
    this.healthUrl = healthUrl;
  }

  /**
   * Starts {@code bergenholm serve} with {@code serveArgs} and waits until its HTTP side answers
   * {@code /healthz} at {@code httpAddress} (host:port).
   */
  static BergenholmProcess start(Optional<String> netns, Path log, String httpAddress, List<String> serveArgs)
      throws InterruptedException {
    List<String> cmd = new ArrayList<>();
    netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
    cmd.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", classPath(), MAIN, "serve"));
    cmd.addAll(serveArgs);
    BergenholmProcess p = new BergenholmProcess(
        ManagedProcess.start("bergenholm", log, cmd), netns, "http://" + httpAddress + "/healthz");
    p.awaitHealthy();
    return p;
  }

  private void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("bergenholm exited early:\n" + process.logText());
      }
      if (curl("-sf", "-o", "/dev/null", healthUrl).exit() == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("bergenholm did not become healthy:\n" + process.logText());
  }

  /** Runs curl where the server is reachable (inside its namespace, if any). */
  Shell.Result curl(String... args) {
    List<String> cmd = new ArrayList<>();
    netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
    cmd.add("curl");
    cmd.addAll(List.of(args));
    return Shell.run(cmd);
  }

  String logText() {
    return process.logText();
  }

  static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
