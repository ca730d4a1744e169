package io.bergenholm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process whose output goes to a log file and which is always killed by its PID on {@link
 * #close()}, descendants included, so a failed test leaves nothing running. Processes still running
 * when the test JVM exits (a test killed by a timeout, an interrupted build) are killed by a
 * shutdown hook.
 */
final class ManagedProcess implements AutoCloseable {
  private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(ManagedProcess::close), "e2e-process-reaper"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private ManagedProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command} with its standard output and error appended to {@code log}. */
  static ManagedProcess start(String name, Path log, List<String> command) {
    try {
      Files.createDirectories(log.getParent());
      Process p =
          new ProcessBuilder(Shell.resolved(command))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      ManagedProcess managed = new ManagedProcess(name, p, log);
      LIVE.add(managed);
      return managed;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command, e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String logText() {
    try {
      return Files.exists(log)
          ? Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1)
          : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Waits up to {@code millis} for the process to end by itself. */
  boolean waitFor(long millis) throws InterruptedException {
    return process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  /** SIGTERM to the process and its descendants, SIGKILL after 3 s. */
  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      descendants.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    } finally {
      LIVE.remove(this);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
