package io.bergenholm.power.vmware;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * govmomi's vCenter simulator, run as a child process: built once from {@code src/test/vcsim}
 * against Debian's govmomi sources (offline, cached in {@code target/vcsim}), started on 127.0.0.1
 * with a free port, stopped by {@link #close()} (or when this JVM goes away, as it reads its
 * standard input until end of file).
 */
final class Vcsim implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Vcsim.class);
  static final Path GOVMOMI = Path.of("/usr/share/gocode/src/github.com/vmware/govmomi/simulator");
  private static final Path SOURCE = Path.of("src/test/vcsim");
  private static final Path WORK = Path.of("target/vcsim").toAbsolutePath();
  private static Path binary;

  private final Process process;
  final URI url;

  private Vcsim(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  int port() {
    return url.getPort();
  }

  /**
   * Starts a simulator with {@code args} (see main.go); skips the test if Go or govmomi is absent.
   */
  static Vcsim start(String... args) throws IOException, InterruptedException {
    Path bin = build();
    List<String> command = new ArrayList<>(List.of(bin.toString()));
    command.addAll(List.of(args));
    Path logFile = Files.createTempFile(WORK, "vcsim-", ".log");
    Process p = new ProcessBuilder(command).redirectError(logFile.toFile()).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return out.readLine();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    try {
      String first = line.get(60, TimeUnit.SECONDS);
      if (first == null || !first.startsWith("VCSIM_URL ")) {
        throw new IllegalStateException("vcsim did not start: " + first + "; see " + logFile);
      }
      log.info("vcsim {} up at {} (log {})", args, first.substring(10), logFile);
      return new Vcsim(p, URI.create(first.substring(10).trim()));
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IllegalStateException("vcsim did not start within 60 s; see " + logFile, e);
    }
  }

  private static synchronized Path build() throws IOException, InterruptedException {
    if (binary != null) {
      return binary;
    }
    assumeTrue(
        Files.isDirectory(GOVMOMI), "govmomi sources (golang-github-vmware-govmomi-dev) absent");
    assumeTrue(onPath("go"), "the go compiler (golang-go) is absent");
    Files.createDirectories(WORK);
    Path bin = WORK.resolve("vcsim");
    Path main = SOURCE.resolve("main.go");
    if (!Files.exists(bin)
        || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(main)) < 0) {
      long t0 = System.nanoTime();
      ProcessBuilder pb =
          new ProcessBuilder("go", "build", "-o", bin.toString(), ".")
              .directory(SOURCE.toFile())
              .redirectErrorStream(true)
              .redirectOutput(WORK.resolve("build.log").toFile());
      Map<String, String> env = pb.environment();
      env.put("GO111MODULE", "off");
      env.put("GOPATH", WORK.resolve("gopath") + ":/usr/share/gocode");
      env.putIfAbsent("GOCACHE", WORK.resolve("gocache").toString());
      Process p = pb.start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("building vcsim took more than 5 minutes");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "building vcsim failed:\n" + Files.readString(WORK.resolve("build.log")));
      }
      log.info("built vcsim in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }
    binary = bin;
    return bin;
  }

  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
