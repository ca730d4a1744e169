package io.bergenholm.power.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * OpenIPMI's BMC simulator {@code ipmi_sim} as a child process on 127.0.0.1 and a free UDP port,
 * with its configuration, chassis control script and state in a directory of the test's own. The
 * chassis script keeps power and boot device in files and logs every call, so a test sees what the
 * simulated BMC was asked to do. {@link #close()} always kills the process.
 */
final class IpmiSimulator implements AutoCloseable {
  static final String USER = "admin";
  static final String PASSWORD = "secret";
  static final String OPERATOR_USER = "oper";
  static final String OPERATOR_PASSWORD = "oper-secret";

  private final Path dir;
  private final int port;
  private final Process process;

  private IpmiSimulator(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Skips the calling test when ipmi_sim or ipmitool are not installed (CI has both). */
  static void assumeInstalled() {
    assumeTrue(onPath("ipmi_sim"), "ipmi_sim (Debian package openipmi) is not installed");
    assumeTrue(onPath("ipmitool"), "ipmitool is not installed");
  }

  static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String d : path.split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  /** Starts a simulator in a fresh sub-directory of {@code parent} and waits until it answers. */
  static IpmiSimulator start(Path parent) throws IOException, InterruptedException {
    assumeInstalled();
    Path dir = Files.createTempDirectory(parent, "bmc");
    Path script = dir.resolve("chassis_control.sh");
    Files.write(script, resource("chassis_control.sh"));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.write(dir.resolve("emu.file"), resource("emu.file"));
    String users =
        "user 2 true \""
            + USER
            + "\" \""
            + PASSWORD
            + "\" admin 10 none md2 md5 straight\n"
            + "user 3 true \""
            + OPERATOR_USER
            + "\" \""
            + OPERATOR_PASSWORD
            + "\" operator 10 none md2 md5 straight\n";
    IOException last = null;
    for (int tries = 0; tries < 5; tries++) {
      int port = freeUdpPort();
      String conf =
          new String(resource("lan.conf"), StandardCharsets.UTF_8)
              .replace("@PORT@", Integer.toString(port))
              .replace("@CHASSIS@", script.toString())
              .replace("@USERS@", users);
      Files.writeString(dir.resolve("lan.conf"), conf);
      Files.createDirectories(dir.resolve("sim-state"));
      Process p =
          new ProcessBuilder(
                  "ipmi_sim",
                  "-n",
                  "-c",
                  "lan.conf",
                  "-f",
                  "emu.file",
                  "-s",
                  dir.resolve("sim-state").toString())
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("ipmi_sim.log").toFile())
              .start();
      IpmiSimulator sim = new IpmiSimulator(dir, port, p);
      if (sim.awaitReady(Duration.ofSeconds(5))) {
        return sim;
      }
      sim.close();
      last =
          new IOException(
              "ipmi_sim did not answer on 127.0.0.1:"
                  + port
                  + "; its log: "
                  + Files.readString(dir.resolve("ipmi_sim.log")));
    }
    throw last;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = IpmiSimulator.class.getResourceAsStream("/ipmi/" + name)) {
      if (in == null) {
        throw new IOException("test resource /ipmi/" + name + " is missing");
      }
      return in.readAllBytes();
    }
  }

  static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      return s.getLocalPort();
    }
  }

  /** Polls with a pre-session Get Channel Authentication Capabilities until the BMC answers. */
  private boolean awaitReady(Duration limit) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    byte[] probe =
        RmcpPacket.encodeV15(
            IpmiMessage.encodeRequest(
                IpmiMessage.NETFN_APP, 1, 0x38, new byte[] {(byte) 0x8e, 0x04}));
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(100);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          return false;
        }
        s.send(new DatagramPacket(probe, probe.length, InetAddress.getLoopbackAddress(), port));
        try {
          s.receive(new DatagramPacket(new byte[512], 512));
          return true;
        } catch (SocketTimeoutException | PortUnreachableException e) {
          Thread.sleep(20);
        }
      }
    }
    return false;
  }

  int port() {
    return port;
  }

  Path dir() {
    return dir;
  }

  /** The chassis control calls ipmi_sim made, oldest first, such as {@code 0x20 set power 1}. */
  List<String> chassisCalls() throws IOException {
    Path log = dir.resolve("calls.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** Sets the simulated machine's power or boot state directly, as the hardware would. */
  void setState(String key, String value) throws IOException {
    Files.createDirectories(dir.resolve("state"));
    Files.writeString(dir.resolve("state").resolve(key), value + "\n");
  }

  Optional<String> state(String key) throws IOException {
    Path f = dir.resolve("state").resolve(key);
    return Files.exists(f) ? Optional.of(Files.readString(f).trim()) : Optional.empty();
  }

  /** Runs {@code ipmitool -I lanplus -C 3} as admin against this simulator; returns its output. */
  String ipmitool(String... args) throws IOException, InterruptedException {
    return ipmitool(3, PASSWORD, args).requireSuccess();
  }

  Ipmitool ipmitool(int cipherSuite, String password, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ipmitool",
                "-I",
                "lanplus",
                "-C",
                Integer.toString(cipherSuite),
                "-H",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                USER,
                "-P",
                password,
                "-R",
                "1",
                "-N",
                "2"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ipmitool " + String.join(" ", args) + " did not finish in 20 s");
    }
    return new Ipmitool(
        String.join(" ", args),
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  record Ipmitool(String command, int exitCode, String output) {
    String requireSuccess() {
      assertThat(exitCode).as("ipmitool %s exit code; output:%n%s", command, output).isZero();
      return output;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
