package io.bergenholm.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Debian package, as an operator meets it: {@code scripts/package} builds it, lintian finds no
 * error or warning, {@code dpkg -i} installs it and creates the service user, the installed unit's
 * {@code ExecStart} runs as that user with only {@code CAP_NET_BIND_SERVICE} (as systemd would run
 * it) and serves a boot script on port 80, {@code dpkg -r} keeps the store and the changed
 * conffile, and {@code dpkg --purge} removes them.
 *
 * <p>It installs a package system-wide, so it runs only as root (as CI runs scripts/test) on a
 * machine where the package is not installed and systemd is not running (where it is, postinst
 * would start the service itself).
 */
class DebianPackageTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String UNIT = "/lib/systemd/system/bergenholm.service";
  private static final String CONF = "/etc/bergenholm/bergenholm.conf";
  private static final String HOST = "3f1c2a94-6b0e-4d7a-9c51-2e8f0b7d4a63";

  /**
   * A loopback address of its own, so that port 80 there is free whatever else listens on
   * 127.0.0.1.
   */
  private static final String BOOT_ADDRESS = "127.0.0.2";

  /** The packages, logs and files this test makes (under target/, removed by mvn clean). */
  private static final Path WORK = Path.of("target/package-test").toAbsolutePath();

  private static boolean userExisted;
  private static Process server;

  record Run(int code, String output) {}

  private static Run run(Duration timeout, String... command)
      throws IOException, InterruptedException {
    return run(timeout, Arrays.asList(command));
  }

  private static Run run(Duration timeout, List<String> command)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("bergenholm-package-test", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .directory(ROOT.toFile())
              .start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail("%s did not finish within %s; output:%n%s", command, timeout, Files.readString(log));
      }
      return new Run(p.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static Run ok(Duration timeout, String... command)
      throws IOException, InterruptedException {
    Run r = run(timeout, command);
    assertThat(r.code()).as("%s:%n%s", String.join(" ", command), r.output()).isZero();
    return r;
  }

  private static boolean installed() throws IOException, InterruptedException {
    Run r = run(Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Status}", "bergenholm");
    return r.code() == 0 && !r.output().contains("not-installed");
  }

  @BeforeAll
  static void requirements() throws IOException, InterruptedException {
    assumeTrue(
        run(Duration.ofSeconds(10), "id", "-u").output().strip().equals("0"),
        "the package test installs a .deb system-wide, so it runs as root only (CI runs scripts/test as root)");
    assumeFalse(
        Files.isDirectory(Path.of("/run/systemd/system")),
        "systemd is running here: postinst would start the service itself and clash with this test");
    assumeFalse(
        installed(), "package bergenholm is installed on this machine; the test would replace it");
    Path store = Path.of("/var/lib/bergenholm");
    if (Files.isDirectory(store)) {
      try (var entries = Files.list(store)) {
        assumeFalse(
            entries.findAny().isPresent(),
            "/var/lib/bergenholm holds data here, which the test's purge would delete");
      }
    }
    for (String tool :
        List.of("dpkg-deb", "dpkg", "lintian", "setpriv", "curl", "adduser", "systemd-analyze")) {
      assertThat(run(Duration.ofSeconds(10), "sh", "-c", "command -v " + tool).code())
          .as("%s is missing (scripts/test installs scripts/test-packages.txt as root)", tool)
          .isZero();
    }
    userExisted = run(Duration.ofSeconds(10), "getent", "passwd", "bergenholm").code() == 0;
    Files.createDirectories(WORK);
  }

  @AfterAll
  static void cleanUp() throws IOException, InterruptedException {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (installed()) {
      run(Duration.ofMinutes(2), "dpkg", "--purge", "bergenholm");
    }
    if (!userExisted && run(Duration.ofSeconds(10), "getent", "passwd", "bergenholm").code() == 0) {
      run(Duration.ofSeconds(30), "deluser", "--system", "--quiet", "bergenholm");
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void buildsPassesLintianInstallsServesRemovesAndPurges() throws Exception {
    String version = System.getProperty("project.version");
    Path jar = Path.of(System.getProperty("runner.jar"));
    assertThat(jar)
        .as("the runner's shaded jar (built by the reactor before this module)")
        .isRegularFile();

    // Build and check.
    Path out = Files.createTempDirectory(WORK, "dist");
    Run built =
        ok(
            Duration.ofMinutes(3),
            "scripts/package",
            "--jar",
            jar.toString(),
            "--out",
            out.toString());
    Path deb = Path.of(built.output().strip().lines().reduce((a, b) -> b).orElseThrow());
    assertThat(deb.getFileName().toString())
        .isEqualTo("bergenholm_" + version.replace("-SNAPSHOT", "~snapshot") + "-1_all.deb");
    Path again = Files.createTempDirectory(WORK, "dist");
    ok(
        Duration.ofMinutes(3),
        "scripts/package",
        "--jar",
        jar.toString(),
        "--out",
        again.toString());
    assertThat(Files.readAllBytes(again.resolve(deb.getFileName())))
        .as("a second build of the package is byte for byte the same")
        .isEqualTo(Files.readAllBytes(deb));
    String control = ok(Duration.ofSeconds(30), "dpkg-deb", "--field", deb.toString()).output();
    assertThat(control)
        .contains("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser")
        .contains("Suggests: ipxe, shim-signed, grub-efi-amd64-signed");
    Run lintian =
        run(
            Duration.ofMinutes(5),
            "lintian",
            "--fail-on",
            "error,warning",
            "--tag-display-limit",
            "0",
            deb.toString());
    assertThat(lintian.code()).as("lintian:%n%s", lintian.output()).isZero();
    assertThat(lintian.output()).doesNotContainPattern("(?m)^[EW]: ");

    // Install.
    ok(Duration.ofMinutes(3), "dpkg", "-i", deb.toString());
    String passwd = ok(Duration.ofSeconds(10), "getent", "passwd", "bergenholm").output().strip();
    assertThat(passwd.split(":"))
        .satisfies(
            f -> {
              assertThat(f[5]).isEqualTo("/var/lib/bergenholm");
              assertThat(f[6]).isIn("/usr/sbin/nologin", "/bin/false");
            });
    for (String dir : List.of("/var/lib/bergenholm", "/var/cache/bergenholm")) {
      assertThat(Files.getOwner(Path.of(dir)).getName()).as(dir).isEqualTo("bergenholm");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(dir))))
          .isEqualTo("rwxr-x---");
    }
    assertThat(ok(Duration.ofMinutes(1), "/usr/bin/bergenholm", "--version").output())
        .startsWith("Bergenholm " + version);
    assertThat(Files.readString(Path.of("/usr/share/bash-completion/completions/bergenholm")))
        .doesNotStartWith("#!")
        .contains("serve")
        .contains("--store");
    assertThat(
            ok(Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Conffiles}", "bergenholm")
                .output())
        .contains(CONF);

    // The unit: hardened, and its command as systemd would run it.
    Map<String, List<String>> unit = unitFile(Path.of(UNIT));
    assertThat(unit.get("User")).containsExactly("bergenholm");
    assertThat(unit.get("AmbientCapabilities")).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(unit.get("CapabilityBoundingSet")).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(unit.get("ProtectSystem")).containsExactly("strict");
    assertThat(unit.get("NoNewPrivileges")).containsExactly("yes");
    assertThat(unit.get("PrivateTmp")).containsExactly("yes");
    assertThat(unit.get("StateDirectory")).containsExactly("bergenholm");
    assertThat(unit.get("CacheDirectory")).containsExactly("bergenholm");
    Run verify = ok(Duration.ofMinutes(1), "systemd-analyze", "verify", "--man=no", UNIT);
    assertThat(verify.output()).as("systemd-analyze verify").doesNotContain("bergenholm.service:");
    String exposure =
        ok(Duration.ofMinutes(1), "systemd-analyze", "security", "--offline=true", UNIT).output();
    assertThat(exposure)
        .containsPattern("Overall exposure level for bergenholm.service: [0-3]\\.[0-9] ");
    String conf = Files.readString(Path.of(CONF));
    assertThat(conf)
        .contains("store=file:/var/lib/bergenholm\n")
        .contains("engine.images.cache_dir=/var/cache/bergenholm/images\n");

    // As an operator would: point the listeners at addresses of this test (a conffile change).
    int management = freePort();
    String edited =
        conf.replace("http=0.0.0.0:80\n", "http=" + BOOT_ADDRESS + ":80\n")
            .replace("management=127.0.0.1:8080\n", "management=127.0.0.1:" + management + "\n");
    assertThat(edited).isNotEqualTo(conf);
    Files.writeString(Path.of(CONF), edited);

    // What systemd does for StateDirectory= and CacheDirectory= before it starts the command: make
    // them under /var/lib and /var/cache and give them (with what they hold) to the unit's user.
    for (String d :
        List.of(
            "/var/lib/" + unit.get("StateDirectory").get(0),
            "/var/cache/" + unit.get("CacheDirectory").get(0))) {
      ok(
          Duration.ofSeconds(30),
          "install",
          "-d",
          "-o",
          "bergenholm",
          "-g",
          "bergenholm",
          "-m",
          "0750",
          d);
      ok(Duration.ofSeconds(30), "chown", "-R", "bergenholm:bergenholm", d);
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=bergenholm",
                "--regid=bergenholm",
                "--init-groups",
                "--inh-caps=-all,+net_bind_service",
                "--ambient-caps=-all,+net_bind_service",
                "--bounding-set=-all,+net_bind_service",
                "--no-new-privs",
                "--"));
    command.addAll(Arrays.asList(unit.get("ExecStart").get(0).split("\\s+")));
    Path serverLog = Files.createTempFile(WORK, "server", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(serverLog.toFile())
            .directory(Path.of(unit.get("WorkingDirectory").get(0)).toFile());
    pb.environment().put("HOME", "/var/lib/bergenholm");
    server = pb.start();
    awaitLine(serverLog, "Bergenholm serving", Duration.ofSeconds(120));
    assertThat(Files.readString(serverLog)).contains("http://" + BOOT_ADDRESS + ":80/");

    // The packaged CLI writes a template and a host; curl fetches the host's boot script on port
    // 80.
    String url = "http://127.0.0.1:" + management + "/api/1.0";
    Path template =
        Files.writeString(
            Files.createTempFile(WORK, "pkgtest", ".ipxe"),
            "#!ipxe\necho package test {{uuid}} says {{greeting}}\n");
    Path host =
        Files.writeString(
            Files.createTempFile(WORK, "pkgtest", ".json"),
            "{\"ipxe_script\": \"pkgtest.ipxe\", \"greeting\": \"hello\"}");
    ok(
        Duration.ofMinutes(1),
        "/usr/bin/bergenholm",
        "--url",
        url,
        "template",
        "create",
        "pkgtest.ipxe",
        template.toString());
    ok(
        Duration.ofMinutes(1),
        "/usr/bin/bergenholm",
        "--url",
        url,
        "host",
        "create",
        HOST,
        host.toString());
    String script =
        ok(
                Duration.ofSeconds(30),
                "curl",
                "-fsS",
                "--max-time",
                "20",
                "http://" + BOOT_ADDRESS + "/ipxe/script/" + HOST)
            .output();
    assertThat(script.strip()).isEqualTo("#!ipxe\necho package test " + HOST + " says hello");
    assertThat(
            ok(
                    Duration.ofSeconds(30),
                    "curl",
                    "-fsS",
                    "--max-time",
                    "20",
                    "http://" + BOOT_ADDRESS + "/ipxe/boot.ipxe")
                .output())
        .startsWith("#!ipxe");
    Run refused =
        run(
            Duration.ofSeconds(30),
            "curl",
            "-fsS",
            "--max-time",
            "20",
            "http://" + BOOT_ADDRESS + "/api/1.0/hosts/");
    assertThat(refused.code()).as("the management API is not on the boot listener").isNotZero();
    assertThat(Files.getOwner(Path.of("/var/lib/bergenholm/hosts", HOST)).getName())
        .isEqualTo("bergenholm");
    assertThat(Files.getOwner(Path.of("/var/cache/bergenholm/images")).getName())
        .isEqualTo("bergenholm");

    server.destroy();
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
    assertThat(server.exitValue()).as(Files.readString(serverLog)).isIn(0, 143);

    // Remove: the program goes, the store and the changed conffile stay.
    ok(Duration.ofMinutes(2), "dpkg", "-r", "bergenholm");
    assertThat(Path.of("/usr/bin/bergenholm")).doesNotExist();
    assertThat(Path.of("/usr/share/bergenholm/bergenholm.jar")).doesNotExist();
    assertThat(Path.of(UNIT)).doesNotExist();
    assertThat(Files.readString(Path.of(CONF))).isEqualTo(edited);
    assertThat(Path.of("/var/lib/bergenholm/hosts", HOST)).isRegularFile();
    assertThat(Path.of("/var/lib/bergenholm/templates/pkgtest.ipxe")).isRegularFile();
    assertThat(
            ok(Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Status}", "bergenholm").output())
        .isEqualTo("deinstall ok config-files");

    // Purge: the configuration, the store and the cache go; the system user stays (Debian policy).
    ok(Duration.ofMinutes(2), "dpkg", "--purge", "bergenholm");
    assertThat(Path.of("/etc/bergenholm")).doesNotExist();
    assertThat(Path.of("/var/lib/bergenholm")).doesNotExist();
    assertThat(Path.of("/var/cache/bergenholm")).doesNotExist();
    assertThat(installed()).isFalse();
    assertThat(run(Duration.ofSeconds(10), "getent", "passwd", "bergenholm").code()).isZero();
  }

  /** The unit file's settings, each key with its values in order ([Service] etc. merged). */
  private static Map<String, List<String>> unitFile(Path file) throws IOException {
    Map<String, List<String>> settings = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#") || l.startsWith(";") || l.startsWith("[")) {
        continue;
      }
      int eq = l.indexOf('=');
      assertThat(eq).as("unit line '%s'", line).isPositive();
      settings
          .computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>())
          .add(l.substring(eq + 1).strip());
    }
    assertThat(settings).containsKeys("ExecStart", "User", "WorkingDirectory");
    return settings;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitLine(Path log, String text, Duration timeout)
      throws IOException, InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      if (Files.readString(log).contains(text)) {
        return;
      }
      if (!server.isAlive()) {
        fail(
            "the server exited with %d before '%s':%n%s",
            server.exitValue(), text, Files.readString(log));
      }
      Thread.sleep(200);
    }
    fail("no '%s' within %s:%n%s", text, timeout, Files.readString(log));
  }
}
