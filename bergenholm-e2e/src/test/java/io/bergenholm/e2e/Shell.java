package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs short commands (ip, curl) to completion within a bound, and fails loudly with their output.
 */
final class Shell {
  private static final long LIMIT_SECONDS = 60;

  private Shell() {}

  record Result(int exit, String output) {}

  static Result run(List<String> command) {
    Path out = null;
    try {
      out = Files.createTempFile("e2e-shell", ".out");
      Process p =
          new ProcessBuilder(resolved(command))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "no answer within " + LIMIT_SECONDS + " s: " + String.join(" ", command));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // A leftover temporary file does not change any result.
        }
      }
    }
  }

  static String check(String... command) {
    Result r = run(List.of(command));
    if (r.exit() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + r.exit() + ":\n" + r.output());
    }
    return r.output();
  }

  /** The same command run inside a network namespace, if one is given. */
  static List<String> in(Optional<String> netns, List<String> command) {
    List<String> full = new ArrayList<>();
    netns.ifPresent(ns -> full.addAll(List.of("ip", "netns", "exec", ns)));
    full.addAll(command);
    return full;
  }

  /**
   * Whether {@code program} is on the PATH or in the sbin folders (where iproute2 and dnsmasq
   * live).
   */
  static boolean available(String program) {
    return which(program).isPresent();
  }

  static Optional<Path> which(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }

  /**
   * The command with its program named by absolute path, so that a PATH without the sbin folders
   * (as some build agents have, even for root) still finds {@code ip} and {@code dnsmasq}.
   */
  static List<String> resolved(List<String> command) {
    String program = command.get(0);
    if (program.contains("/")) {
      return command;
    }
    List<String> full = new ArrayList<>(command);
    full.set(0, which(program).map(Path::toString).orElse(program));
    return full;
  }

  static boolean isRoot() {
    return run(List.of("id", "-u")).output().strip().equals("0");
  }
}
