package io.bergenholm.netboot.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Byte-exact downloads through curl, tftp-hpa and atftp, the clients boot setups actually use. */
class TftpRealClientTest {

  private static final long SEED = 20261125L;
  private static final int[] SIZES = {0, 1, 511, 512, 513, 1432 * 3, 65464, 65465, 1024 * 1024 + 7};

  @TempDir static Path root;
  @TempDir static Path out;
  private static TftpServer server;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    Random random = new Random(SEED);
    for (int size : SIZES) {
      byte[] content = new byte[size];
      random.nextBytes(content);
      Files.write(root.resolve("file-" + size + ".bin"), content);
    }
    Files.writeString(
        root.resolve("text.txt"),
        "line one\nline two\r\nbare\rcarriage\n",
        StandardCharsets.US_ASCII);
    server =
        TftpServer.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .root(root)
            .virtualFile(
                "boot.ipxe",
                () ->
                    "#!ipxe\nchain http://192.0.2.1/ipxe/script/${uuid}\n"
                        .getBytes(StandardCharsets.US_ASCII))
            .retransmitTimeout(Duration.ofMillis(500))
            .build();
    server.start();
    port = server.localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "curl blksize {0}")
  @CsvSource({"512", "1432", "8192", "65464"})
  void curlDownloadsEveryFileByteExact(int blockSize) throws Exception {
    assumeTrue(Clients.installed("curl"), "curl is not installed");
    for (int size : SIZES) {
      if (size == 0) {
        continue; // curl 7.88 fails every empty TFTP download (exit 71), against tftpd-hpa too
      }
      String name = "file-" + size + ".bin";
      Path target = out.resolve("curl-" + blockSize + "-" + name);
      Clients.Run run =
          Clients.run(
              List.of(
                  "curl",
                  "-sS",
                  "--max-time",
                  "30",
                  "--tftp-blksize",
                  Integer.toString(blockSize),
                  "-o",
                  target.toString(),
                  "tftp://127.0.0.1:" + port + "/" + name),
              out);
      assertThat(run.exitCode())
          .as("curl %s at blksize %d: %s", name, blockSize, run.output())
          .isZero();
      assertThat(Files.readAllBytes(target))
          .as("%s at blksize %d", name, blockSize)
          .isEqualTo(Files.readAllBytes(root.resolve(name)));
    }
  }

  @Test
  void curlGetsTheVirtualFile() throws Exception {
    assumeTrue(Clients.installed("curl"), "curl is not installed");
    Path target = out.resolve("boot.ipxe");
    Clients.Run run =
        Clients.run(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "30",
                "-o",
                target.toString(),
                "tftp://127.0.0.1:" + port + "/boot.ipxe"),
            out);
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(Files.readString(target))
        .isEqualTo("#!ipxe\nchain http://192.0.2.1/ipxe/script/${uuid}\n");
  }

  @Test
  void curlReportsAMissingFileAsNotFound() throws Exception {
    assumeTrue(Clients.installed("curl"), "curl is not installed");
    Clients.Run run =
        Clients.run(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "30",
                "-o",
                out.resolve("none").toString(),
                "tftp://127.0.0.1:" + port + "/no-such-file"),
            out);
    assertThat(run.exitCode()).as(run.output()).isEqualTo(68);
  }

  @Test
  void tftpHpaDownloadsInOctetMode() throws Exception {
    assumeTrue(Clients.installed("tftp"), "tftp-hpa is not installed");
    for (int size : SIZES) {
      String name = "file-" + size + ".bin";
      Path target = out.resolve("hpa-" + name);
      Clients.Run run =
          Clients.run(
              List.of(
                  "tftp",
                  "-m",
                  "binary",
                  "127.0.0.1",
                  Integer.toString(port),
                  "-c",
                  "get",
                  name,
                  target.toString()),
              out);
      assertThat(Files.exists(target)).as("tftp-hpa %s: %s", name, run.output()).isTrue();
      assertThat(Files.readAllBytes(target))
          .as(name)
          .isEqualTo(Files.readAllBytes(root.resolve(name)));
    }
  }

  @Test
  void tftpHpaDownloadsInNetasciiModeAndGetsTheSameText() throws Exception {
    assumeTrue(Clients.installed("tftp"), "tftp-hpa is not installed");
    Path target = out.resolve("hpa-text.txt");
    Clients.Run run =
        Clients.run(
            List.of(
                "tftp",
                "-m",
                "netascii",
                "127.0.0.1",
                Integer.toString(port),
                "-c",
                "get",
                "text.txt",
                target.toString()),
            out);
    assertThat(Files.exists(target)).as(run.output()).isTrue();
    assertThat(Files.readAllBytes(target)).isEqualTo(Files.readAllBytes(root.resolve("text.txt")));
  }

  @ParameterizedTest(name = "atftp blksize {0} windowsize {1}")
  @CsvSource({"1432,16", "512,64", "8192,16", "65464,4", "1432,1"})
  void atftpDownloadsWithWindowsize(int blockSize, int windowSize) throws Exception {
    assumeTrue(Clients.installed("atftp"), "atftp is not installed");
    for (int size : SIZES) {
      String name = "file-" + size + ".bin";
      Path target = out.resolve("atftp-" + blockSize + "-" + windowSize + "-" + name);
      Clients.Run run =
          Clients.run(
              List.of(
                  "atftp",
                  "--get",
                  "-r",
                  name,
                  "-l",
                  target.toString(),
                  "--option",
                  "blksize " + blockSize,
                  "--option",
                  "windowsize " + windowSize,
                  "127.0.0.1",
                  Integer.toString(port)),
              out);
      assertThat(run.exitCode()).as("atftp %s: %s", name, run.output()).isZero();
      assertThat(Files.readAllBytes(target))
          .as("%s at blksize %d windowsize %d", name, blockSize, windowSize)
          .isEqualTo(Files.readAllBytes(root.resolve(name)));
    }
  }
}
