package io.bergenholm.store.file;

import io.bergenholm.api.Params;
import io.bergenholm.api.Versioned;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A second process writing to a store folder, for the tests that need a real other process: it
 * either increments a counter record a given number of times, or rewrites records until it is
 * killed. It prints {@code started} once its store is open, so the test knows when to act; the
 * incrementer then waits for a line on its standard input before it begins.
 */
public final class StoreWriterProcess {
  private StoreWriterProcess() {}

  /** Arguments: {@code increment DIR NAME COUNT} or {@code rewrite DIR RECORDS}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[1]);
    try (FileParameterStore store = FileParameterStore.open(dir)) {
      System.out.println("started");
      System.out.flush();
      if (args[0].equals("increment")) {
        // Wait for the word so that all writers start together, not one after the other.
        new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
            .readLine();
        int count = Integer.parseInt(args[3]);
        for (int i = 0; i < count; i++) {
          store
              .hosts()
              .update(args[2], p -> p.with("counter", (Long) p.get("counter").orElseThrow() + 1));
        }
      } else {
        int records = Integer.parseInt(args[2]);
        long end =
            System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // bounded even if nobody kills it
        for (long n = 0; System.nanoTime() < end; n++) {
          String name = "r" + (n % records);
          Params value =
              Params.of(
                  Map.of("n", n, "padding", "x".repeat((int) (n % 5000)), "list", bigList(n)));
          Optional<Versioned<Params>> current = store.hosts().get(name);
          if (current.isPresent()) {
            store.hosts().replace(name, value, Optional.of(current.get().version()));
          } else {
            store.hosts().create(name, value);
          }
        }
      }
    }
  }

  private static List<Object> bigList(long n) {
    List<Object> l = new ArrayList<>();
    for (int i = 0; i < n % 300; i++) {
      l.add(Map.of("i", (long) i, "s", "item " + i));
    }
    return l;
  }

  /** Lets a started incrementer begin. */
  static void go(Process p) throws IOException {
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
  }

  /** Starts this class in a new JVM with the test class path and waits until its store is open. */
  static Process start(String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Xshare:auto",
                "-XX:TieredStopAtLevel=1",
                StoreWriterProcess.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    var out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("started")) {
        // Keep draining its output so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "drain " + p.pid());
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new IOException(
        "the writer process ended before opening the store (exit " + p.exitValue() + ")");
  }
}
