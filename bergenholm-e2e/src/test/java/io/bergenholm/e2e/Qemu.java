package io.bergenholm.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One boot of a QEMU machine under TCG, watched through its serial console. The boot ends when the
 * console shows what the test waits for, shows a failure, when QEMU exits (the test initrd powers
 * off, the test disk resets the machine, and {@code -no-reboot} turns both into an exit), or at an
 * upper bound that only a hung machine reaches; a failed boot ends in seconds, not at the bound.
 *
 * <p>Every console line is stamped with the time it appeared; the stamped console is kept next to
 * QEMU's raw output for diagnosis.
 */
final class Qemu {
  /**
   * Console text that means the boot has failed for good: the BIOS found nothing to boot, the
   * kernel died, iPXE could not boot what it was given, or Bergenholm's chain script cannot fetch
   * the host's script (it would otherwise retry every 5 s).
   */
  static final Pattern FAILURE =
      Pattern.compile(
          "No bootable device|Kernel panic|Could not boot|Boot failed|Exec format error"
              + "|No such file or directory \\(http://ipxe\\.org|fetching the script failed");

  /**
   * Lines worth quoting in a summary: the boot's stages as iPXE, the kernel and the test images
   * print them.
   */
  static final Pattern MILESTONE =
      Pattern.compile(
          "Configuring \\(|^net0: [0-9]|Next server|Filename|tftp://|PXE->EB|http://|=====|Booting from"
              + "|LOCAL-DISK-BOOT|CMDLINE|PRODUCT_UUID|INSTALLED-|"
              + Pattern.quote(BootImages.MARKER)
              + "|Power down");

  private static final Pattern ESCAPES = Pattern.compile("\u001b(\\[[0-9;?]*[a-zA-Z]|c)");
  private static final long POLL_MILLIS = 50;
  private static final int WRAP_COLUMNS = 80;

  private Qemu() {}

  /**
   * iPXE's line for a download of {@code url} that succeeded: the URL, its progress (at least three
   * dots, more on a slow machine, and percentages for large files), then "ok".
   */
  static Pattern fetched(String url) {
    return Pattern.compile(Pattern.quote(url) + "\\.{3,}[^\\n]* ok$", Pattern.MULTILINE);
  }

  /** The machine: SMBIOS identity, NIC address, and optionally a local disk. */
  record Machine(
      String uuid,
      String mac,
      Optional<String> manufacturer,
      Optional<String> product,
      Optional<String> serial,
      Optional<Path> disk) {
    static Machine of(String uuid, String mac) {
      return new Machine(
          uuid, mac, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    Machine withSmbios(String manufacturer, String product, String serial) {
      return new Machine(
          uuid, mac, Optional.of(manufacturer), Optional.of(product), Optional.of(serial), disk);
    }

    Machine withDisk(Path image) {
      return new Machine(uuid, mac, manufacturer, product, serial, Optional.of(image));
    }

    /**
     * QEMU's arguments: TCG (nested KVM hangs iPXE here), the serial console on stdout with SeaBIOS
     * and iPXE mirrored onto it ({@code graphics=off}), network boot first.
     */
    List<String> arguments() {
      StringBuilder smbios = new StringBuilder("type=1,uuid=").append(uuid);
      manufacturer.ifPresent(v -> smbios.append(",manufacturer=").append(v));
      product.ifPresent(v -> smbios.append(",product=").append(v));
      serial.ifPresent(v -> smbios.append(",serial=").append(v));
      List<String> args =
          new ArrayList<>(
              List.of(
                  "qemu-system-x86_64",
                  "-accel",
                  "tcg",
                  "-machine",
                  "pc,graphics=off",
                  "-m",
                  "256",
                  "-display",
                  "none",
                  "-nodefaults",
                  "-no-reboot",
                  "-serial",
                  "stdio",
                  "-boot",
                  "n",
                  "-smbios",
                  smbios.toString(),
                  "-device",
                  "virtio-net-pci,netdev=n0,mac=" + mac));
      disk.ifPresent(d -> args.addAll(List.of("-drive", "file=" + d + ",format=raw,if=ide")));
      return args;
    }
  }

  /** A console line and when it appeared, counted from QEMU's start. */
  record Line(Duration at, String text) {
    @Override
    public String toString() {
      return String.format("[%7.2f] %s", at.toMillis() / 1000.0, text);
    }
  }

  /** What a boot showed. */
  record Boot(
      String name, boolean reached, List<Line> lines, Duration elapsed, Optional<String> failure) {
    String console() {
      return lines.stream().map(Line::text).collect(Collectors.joining("\n"));
    }

    String stampedConsole() {
      return lines.stream().map(Line::toString).collect(Collectors.joining("\n"));
    }

    /**
     * Asserts that the console shows each of {@code expected}, in this order (each after the end of
     * the one before): a {@link String} as it is, a {@link Pattern} as a match.
     */
    void assertShowsInOrder(Object... expected) {
      String console = console();
      int at = 0;
      for (Object e : expected) {
        int start;
        int end;
        if (e instanceof Pattern p) {
          Matcher m = p.matcher(console);
          boolean found = m.find(at);
          start = found ? m.start() : -1;
          end = found ? m.end() : -1;
        } else {
          String text = (String) e;
          start = console.indexOf(text, at);
          end = start + text.length();
        }
        if (start < 0) {
          throw new AssertionError(
              "the console does not show "
                  + (e instanceof Pattern ? "/" + e + "/" : "\"" + e + "\"")
                  + (at > 0 ? " after \"" + console.substring(Math.max(0, at - 60), at) + "\"" : "")
                  + "\n"
                  + describe());
        }
        at = end;
      }
    }

    List<Line> milestones() {
      return lines.stream().filter(l -> MILESTONE.matcher(l.text()).find()).toList();
    }

    /** For assertion messages: the outcome and the stamped console. */
    String describe() {
      return this + "\n" + stampedConsole();
    }

    @Override
    public String toString() {
      return name
          + ": "
          + (reached ? "reached the goal" : "did NOT reach the goal")
          + " in "
          + String.format("%.1f s", elapsed.toMillis() / 1000.0)
          + failure.map(f -> " (" + f + ")").orElse("");
    }
  }

  /**
   * Runs {@code command} until the console matches {@code goal}, matches {@link #FAILURE}, QEMU
   * exits, or {@code limit} passes. Keeps QEMU's output as {@code <name>-console.raw} and the
   * stamped, cleaned console as {@code <name>-console.txt} in {@code dir}.
   */
  static Boot boot(String name, List<String> command, Path dir, Pattern goal, Duration limit)
      throws IOException, InterruptedException {
    Path raw = dir.resolve(name + "-console.raw");
    Files.deleteIfExists(raw);
    Console console = new Console();
    long start = System.nanoTime();
    Boot boot;
    try (ManagedProcess qemu = ManagedProcess.start("qemu " + name, raw, command)) {
      boot = watch(name, qemu, console, start, goal, limit);
    }
    console.update(readRaw(raw), System.nanoTime() - start, true);
    boot = new Boot(name, boot.reached(), console.lines(), boot.elapsed(), boot.failure());
    Files.writeString(dir.resolve(name + "-console.txt"), boot.stampedConsole() + "\n");
    return boot;
  }

  private static Boot watch(
      String name, ManagedProcess qemu, Console console, long start, Pattern goal, Duration limit)
      throws InterruptedException {
    long deadline = start + limit.toNanos();
    while (true) {
      long now = System.nanoTime();
      console.update(qemu.logText(), now - start, false);
      String text = console.text();
      Duration elapsed = Duration.ofNanos(now - start);
      if (goal.matcher(text).find()) {
        // The initrd powers off and the disk resets right after their markers: let the last lines
        // in.
        qemu.waitFor(3000);
        return new Boot(name, true, List.of(), elapsed, Optional.empty());
      }
      Matcher failed = FAILURE.matcher(text);
      if (failed.find()) {
        qemu.waitFor(500);
        return new Boot(
            name,
            false,
            List.of(),
            elapsed,
            Optional.of("console shows \"" + failed.group() + "\""));
      }
      if (!qemu.isAlive()) {
        return new Boot(
            name,
            false,
            List.of(),
            elapsed,
            Optional.of("qemu exited with status " + qemu.exitValue()));
      }
      if (now > deadline) {
        return new Boot(
            name,
            false,
            List.of(),
            elapsed,
            Optional.of("neither goal nor failure within " + limit.toSeconds() + " s"));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static String readRaw(Path raw) throws IOException {
    return Files.exists(raw)
        ? Files.readString(raw, java.nio.charset.StandardCharsets.ISO_8859_1)
        : "";
  }

  /**
   * The console as a terminal shows it: without escape sequences and carriage returns, with
   * backspaces applied, and with the lines SeaBIOS's 80-column serial console wraps (SeaBIOS and
   * iPXE output; the kernel writes to the UART itself and does not wrap) joined again.
   */
  static String clean(String raw) {
    String text = ESCAPES.matcher(raw).replaceAll("").replace("\r", "");
    StringBuilder out = new StringBuilder(text.length());
    int lineStart = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\b') {
        if (out.length() > lineStart) {
          out.setLength(out.length() - 1);
        }
      } else if (c == '\n') {
        if (out.length() - lineStart == WRAP_COLUMNS) {
          continue;
        }
        out.append(c);
        lineStart = out.length();
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The console seen so far, as lines stamped with the poll at which each was first complete. */
  private static final class Console {
    private final List<Line> complete = new ArrayList<>();
    private String text = "";

    void update(String raw, long elapsedNanos, boolean finished) {
      text = clean(raw);
      String[] all = text.split("\n", -1);
      Duration at = Duration.ofNanos(elapsedNanos);
      int last = all.length - 1;
      for (int i = complete.size(); i < last; i++) {
        complete.add(new Line(at, all[i]));
      }
      if (finished && !all[last].isEmpty() && complete.size() == last) {
        complete.add(new Line(at, all[last]));
      }
    }

    String text() {
      return text;
    }

    List<Line> lines() {
      return List.copyOf(complete);
    }
  }
}
