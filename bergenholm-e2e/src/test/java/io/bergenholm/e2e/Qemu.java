package io.bergenholm.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One boot of a QEMU machine under TCG with its serial console in a log file. The boot ends when
 * the console shows what the test waits for, shows a failure, when the guest powers off, or at a
 * generous upper bound; a failed boot ends in seconds, not at the bound.
 */
final class Qemu {
  /** Console lines that mean the boot has failed for good. */
  static final Pattern FAILURE = Pattern.compile(
      "No bootable device|Kernel panic|Boot failed: could not read|Could not boot|Exec format error");

  private Qemu() {}

  /** The machine and the network it is plugged into. */
  record Machine(String uuid, String mac, String manufacturer, String product, String serial) {
    List<String> smbiosArgs() {
      StringBuilder s = new StringBuilder("type=1,uuid=").append(uuid);
      if (manufacturer != null) {
        s.append(",manufacturer=").append(manufacturer);
      }
      if (product != null) {
        s.append(",product=").append(product);
      }
      if (serial != null) {
        s.append(",serial=").append(serial);
      }
      return List.of("-smbios", s.toString());
    }
  }

  /** What a boot showed. */
  record Boot(boolean reached, String console, Duration elapsed, Optional<String> failure) {
    @Override
    public String toString() {
      return (reached ? "reached" : "NOT reached") + " after " + elapsed.toMillis() + " ms"
          + failure.map(f -> ", failure: " + f).orElse("");
    }
  }

  static List<String> baseCommand(Machine m) {
    List<String> cmd = new ArrayList<>(List.of(
        "qemu-system-x86_64", "-accel", "tcg", "-machine", "pc,graphics=off", "-m", "256",
        "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio", "-boot", "n"));
    cmd.addAll(m.smbiosArgs());
    cmd.addAll(List.of("-device", "virtio-net-pci,netdev=n0,mac=" + m.mac()));
    return cmd;
  }

  /**
   * Runs {@code command} until the console matches {@code goal}, matches {@link #FAILURE}, the
   * process exits, or {@code limit} passes.
   */
  static Boot boot(List<String> command, Path log, Pattern goal, Duration limit) throws InterruptedException {
    long start = System.nanoTime();
    try (ManagedProcess qemu = ManagedProcess.start("qemu", log, command)) {
      long deadline = start + limit.toNanos();
      while (System.nanoTime() < deadline) {
        String console = clean(qemu.logText());
        if (goal.matcher(console).find()) {
          // Let the guest print a few more lines (the kernel command line follows the marker's neighbours).
          qemu.waitFor(1500);
          return new Boot(true, clean(qemu.logText()), Duration.ofNanos(System.nanoTime() - start), Optional.empty());
        }
        var failed = FAILURE.matcher(console);
        if (failed.find()) {
          return new Boot(false, console, Duration.ofNanos(System.nanoTime() - start), Optional.of(failed.group()));
        }
        if (!qemu.isAlive()) {
          return new Boot(false, console, Duration.ofNanos(System.nanoTime() - start),
              Optional.of("qemu exited with " + qemu.exitValue()));
        }
        Thread.sleep(100);
      }
      return new Boot(false, clean(qemu.logText()), Duration.ofNanos(System.nanoTime() - start),
          Optional.of("no result within " + limit.toSeconds() + " s"));
    }
  }

  /** Removes terminal escape sequences and carriage returns iPXE writes to the serial console. */
  static String clean(String console) {
    return console.replaceAll("\u001b\\[[0-9;?]*[a-zA-Z]", "").replace("\r", "");
  }
}
