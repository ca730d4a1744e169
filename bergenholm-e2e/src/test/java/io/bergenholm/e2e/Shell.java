package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short commands (ip, curl) to completion and fails loudly with their output. */
final class Shell {
  private Shell() {}

  record Result(int exit, String output) {}

  static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    }
  }

  static String check(String... command) {
    Result r = run(List.of(command));
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + r.exit() + ":\n" + r.output());
    }
    return r.output();
  }

  /** Runs a command inside a network namespace. */
  static String inNetns(String ns, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    return check(full.toArray(String[]::new));
  }

  static boolean available(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
