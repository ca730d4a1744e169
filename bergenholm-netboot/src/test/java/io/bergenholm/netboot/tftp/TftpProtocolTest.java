package io.bergenholm.netboot.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Loss, duplication, rollover, load and every kind of bad input, through a client that misbehaves
 * on purpose.
 */
class TftpProtocolTest {

  private static final long SEED = 4711L;

  @TempDir static Path root;
  @TempDir static Path outside;
  private static TftpServer server;
  private static InetSocketAddress address;
  private static final AtomicInteger renders = new AtomicInteger();
  private static final Map<String, byte[]> files = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    Random random = new Random(SEED);
    for (int size : new int[] {0, 100, 512, 300_000, 1024 * 1024, 600_000}) {
      byte[] content = new byte[size];
      random.nextBytes(content);
      files.put("f" + size, content);
      Files.write(root.resolve("f" + size), content);
    }
    Files.createDirectories(root.resolve("sub"));
    Files.write(root.resolve("sub/inner"), files.get("f100"));
    Files.writeString(outside.resolve("secret"), "not for you");
    Files.createSymbolicLink(root.resolve("link-out"), outside.resolve("secret"));
    // As Debian's /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi: a link out of the root, reached through
    // another link.
    Files.createSymbolicLink(outside.resolve("chained"), outside.resolve("secret"));
    Files.createSymbolicLink(root.resolve("link-chain"), outside.resolve("chained"));
    Files.createSymbolicLink(root.resolve("link-dir"), outside);
    Files.createSymbolicLink(root.resolve("link-in"), root.resolve("f100"));
    server =
        TftpServer.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .root(root)
            .virtualFile(
                "counted",
                () -> ("render " + renders.incrementAndGet()).getBytes(StandardCharsets.US_ASCII))
            .virtualFile(
                "broken",
                () -> {
                  throw new IllegalStateException("template boot.ipxe: no such variable");
                })
            .retransmitTimeout(Duration.ofMillis(100))
            .maxRetries(5)
            .nativeTransport(
                false) // the real-client tests run on the native transport, these on NIO
            .build();
    server.start();
    address = server.localAddress();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static TestTftpClient.Result get(
      long seed, TestTftpClient.Loss loss, String name, Map<String, String> options)
      throws IOException {
    try (TestTftpClient client = new TestTftpClient(seed, loss)) {
      return client.get(address, name, options);
    }
  }

  @ParameterizedTest(name = "seed {0}, windowsize {1}")
  @CsvSource({"1,1", "2,1", "3,4", "4,16", "5,16"})
  void lostAndRepeatedPacketsStillGiveTheExactFile(long seed, int windowSize) throws Exception {
    TestTftpClient.Loss loss = new TestTftpClient.Loss(0.03, 0.03, 0.1);
    TestTftpClient.Result result =
        get(
            seed,
            loss,
            "f300000",
            Map.of("blksize", "1432", "windowsize", Integer.toString(windowSize)));
    assertThat(result.error()).as("seed %d", seed).isNull();
    assertThat(result.content()).as("seed %d", seed).isEqualTo(files.get("f300000"));
  }

  @Test
  void duplicateAcksNeverTriggerExtraData() throws Exception {
    // Sorcerer's apprentice: every ACK is sent twice; a server that answered each would send each
    // block twice.
    TestTftpClient.Loss loss = new TestTftpClient.Loss(0, 0, 1.0);
    TestTftpClient.Result result =
        get(SEED, loss, "f300000", Map.of("blksize", "512", "timeout", "10"));
    assertThat(result.content()).isEqualTo(files.get("f300000"));
    assertThat(result.dataPackets()).isEqualTo(300_000 / 512 + 1);
    assertThat(result.duplicateData()).isZero();
  }

  @Test
  void duplicateAcksInWindowedModeNeverTriggerExtraData() throws Exception {
    TestTftpClient.Loss loss = new TestTftpClient.Loss(0, 0, 1.0);
    TestTftpClient.Result result =
        get(SEED, loss, "f1048576", Map.of("blksize", "1432", "windowsize", "16", "timeout", "10"));
    assertThat(result.content()).isEqualTo(files.get("f1048576"));
    assertThat(result.dataPackets()).isEqualTo(1048576 / 1432 + 1);
  }

  @Test
  void blockNumbersRollOverPast65535() throws Exception {
    // 600000 bytes at blksize 8 is 75001 blocks: the block number wraps to 0 once.
    TestTftpClient.Result result =
        get(SEED, TestTftpClient.Loss.NONE, "f600000", Map.of("blksize", "8", "windowsize", "512"));
    assertThat(result.optionAck()).containsEntry("blksize", "8").containsEntry("windowsize", "512");
    assertThat(result.content()).isEqualTo(files.get("f600000"));
  }

  @Test
  void tsizeIsTheFileSize() throws Exception {
    TestTftpClient.Result result =
        get(SEED, TestTftpClient.Loss.NONE, "f300000", Map.of("tsize", "0"));
    assertThat(result.optionAck()).containsExactly(Map.entry("tsize", "300000"));
    assertThat(result.content()).isEqualTo(files.get("f300000"));
  }

  @Test
  void noOptionsMeansPlainRfc1350() throws Exception {
    TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, "f512", Map.of());
    assertThat(result.optionAck()).isEmpty();
    assertThat(result.content()).isEqualTo(files.get("f512"));
    assertThat(result.dataPackets()).isEqualTo(2); // a full block, then an empty one
  }

  @Test
  void emptyFileIsOneEmptyBlock() throws Exception {
    TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, "f0", Map.of());
    assertThat(result.content()).isEmpty();
    assertThat(result.dataPackets()).isEqualTo(1);
  }

  @Test
  void virtualFilesAreGeneratedPerRequest() throws Exception {
    byte[] first = get(SEED, TestTftpClient.Loss.NONE, "counted", Map.of()).content();
    byte[] second = get(SEED, TestTftpClient.Loss.NONE, "counted", Map.of()).content();
    assertThat(new String(first, StandardCharsets.US_ASCII)).startsWith("render ");
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void aFailingVirtualFileAnswersWithItsReason() throws Exception {
    TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, "broken", Map.of());
    assertThat(result.error().code()).isEqualTo(TftpError.UNDEFINED);
    assertThat(result.error().message()).contains("broken", "no such variable");
  }

  @Test
  void symlinksInsideTheRootAndSubdirectoriesWork() throws Exception {
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "link-in", Map.of()).content())
        .isEqualTo(files.get("f100"));
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "sub/inner", Map.of()).content())
        .isEqualTo(files.get("f100"));
  }

  @Test
  void aLeadingSlashMeansTheRoot() throws Exception {
    // GRUB asks for /grub/grub.cfg; tftpd-hpa --secure and dnsmasq read such names from the root.
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "/f100", Map.of()).content())
        .isEqualTo(files.get("f100"));
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "//sub/inner", Map.of()).content())
        .isEqualTo(files.get("f100"));
  }

  @Test
  void theAdministratorsLinksAreFollowedWhereverTheyPoint() throws Exception {
    // tftpd-hpa serves Debian's /usr/lib/ipxe/ipxe.efi, a link to /boot/ipxe.efi; so does this
    // server.
    byte[] secret = "not for you".getBytes(StandardCharsets.US_ASCII);
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "link-out", Map.of()).content())
        .isEqualTo(secret);
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "link-chain", Map.of()).content())
        .isEqualTo(secret);
    assertThat(get(SEED, TestTftpClient.Loss.NONE, "link-dir/secret", Map.of()).content())
        .isEqualTo(secret);
  }

  @ParameterizedTest(name = "{0} -> error {1}")
  @CsvSource({
    "no-such-file, 1",
    "sub, 1",
    "link-dir, 1",
    "../secret, 2",
    "sub/../../secret, 2",
    "link-dir/../f100, 2",
    "/etc/passwd, 1",
    "//etc/passwd, 1",
    "/../secret, 2",
    "'..', 2",
    "'.', 2",
    "./f100, 2",
    "sub//inner, 2",
    "sub/./inner, 2",
    "sub/, 2",
    "C:\\boot.ini, 2",
    "C:boot.ini, 2",
    "..\\secret, 2",
    "sub\\inner, 2",
  })
  void badNamesGetTheRightError(String name, int code) throws Exception {
    TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, name, Map.of());
    assertThat(result.error()).as(name).isNotNull();
    assertThat(result.error().code()).as("%s: %s", name, result.error().message()).isEqualTo(code);
    assertThat(result.content()).isEmpty();
  }

  @Test
  void controlCharactersAndOverlongNamesAreRefused() throws Exception {
    for (String name :
        new String[] {
          "f100\u0001", "f1\t00", "\u007ff100", "sub/" + "a".repeat(TftpRoot.MAX_NAME_CHARS)
        }) {
      TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, name, Map.of());
      assertThat(result.error()).as(name).isNotNull();
      assertThat(result.error().code()).as(name).isEqualTo(TftpError.ACCESS_VIOLATION);
    }
  }

  @Test
  void randomNamesNeverReachOutsideTheRoot() throws Exception {
    // Seeded: names built from the pieces an attacker would combine.
    String[] pieces = {
      "..", ".", "/", "\\", "sub", "secret", "f100", "link-in", "C:", "%2e%2e", "\u0000", "~"
    };
    Random random = new Random(SEED);
    for (int i = 0; i < 300; i++) {
      StringBuilder name = new StringBuilder();
      int n = 1 + random.nextInt(6);
      for (int j = 0; j < n; j++) {
        name.append(pieces[random.nextInt(pieces.length)]);
      }
      String candidate = name.toString();
      if (candidate.contains("\u0000")) {
        continue; // a NUL ends the name in the packet itself
      }
      TftpFiles.Lookup lookup =
          new TftpFiles(java.util.Optional.of(root), Map.of()).open(candidate, "octet");
      if (lookup instanceof TftpFiles.Lookup.Found found) {
        found.source().close();
        java.nio.file.Path resolved = root.resolve(TftpRoot.relative(candidate)).normalize();
        assertThat(resolved.startsWith(root)).as("served %s", candidate).isTrue();
        assertThat(candidate).doesNotContain("..").doesNotContain("\\");
      }
    }
  }

  @Test
  void writeRequestsAreRefused() throws Exception {
    ByteBuf wrq = TftpCodec.request(ByteBufAllocator.DEFAULT, true, "f100", "octet", Map.of());
    assertThat(exchange(ByteBufUtil.getBytes(wrq)))
        .isEqualTo(
            new TftpPacket.Error(TftpError.ACCESS_VIOLATION, "this TFTP server is read-only"));
    wrq.release();
  }

  @Test
  void mailModeIsRefused() throws Exception {
    ByteBuf rrq = TftpCodec.request(ByteBufAllocator.DEFAULT, false, "f100", "mail", Map.of());
    TftpPacket answer = exchange(ByteBufUtil.getBytes(rrq));
    rrq.release();
    assertThat(answer).isInstanceOf(TftpPacket.Error.class);
    assertThat(((TftpPacket.Error) answer).code()).isEqualTo(TftpError.ILLEGAL_OPERATION);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "one byte|01",
        "unknown opcode|0009",
        "RRQ without NUL|0001666f6f",
        "RRQ without mode|00016631303000",
        "RRQ with empty name|0001006f6374657400",
        "option without value|00016631303000" + "6f6374657400626c6b73697a6500",
        "truncated ACK|0004",
        "truncated DATA|0003",
        "ACK to the server port|00040001",
        "DATA to the server port|0003000161",
      })
  void garbageAndTruncatedPacketsAnswerIllegalOperation(String what, String hex) throws Exception {
    byte[] bytes = ByteBufUtil.decodeHexDump(hex);
    TftpPacket answer = exchange(bytes);
    assertThat(answer).as(what).isInstanceOf(TftpPacket.Error.class);
    assertThat(((TftpPacket.Error) answer).code()).as(what).isEqualTo(TftpError.ILLEGAL_OPERATION);
  }

  @ParameterizedTest(name = "{0}={1} acknowledged as {2}")
  @CsvSource({
    "blksize, 0, ",
    "blksize, 7, ",
    "blksize, -1, ",
    "blksize, abc, ",
    "blksize, 99999999999999999999, ",
    "blksize, 65465, 65464",
    "blksize, 4294967295, 65464",
    "blksize, 8, 8",
    "windowsize, 0, ",
    "windowsize, 100000, 128",
    "windowsize, 16, 16",
    "timeout, 0, ",
    "timeout, 256, ",
    "timeout, 1, 1",
    "tsize, x, ",
    "frobnicate, 1, ",
  })
  void absurdOptionValuesAreRefusedOrLowered(String option, String value, String acknowledged)
      throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put(option, value);
    if (!option.equals("blksize")) {
      options.put("blksize", "512");
    }
    TestTftpClient.Result result = get(SEED, TestTftpClient.Loss.NONE, "f300000", options);
    assertThat(result.error()).isNull();
    assertThat(result.content()).isEqualTo(files.get("f300000"));
    if (acknowledged == null) {
      assertThat(result.optionAck()).doesNotContainKey(option);
    } else {
      assertThat(result.optionAck()).containsEntry(option, acknowledged);
    }
  }

  @Test
  void windowBytesAreCappedWhateverTheClientAsks() throws Exception {
    TestTftpClient.Result result =
        get(
            SEED,
            TestTftpClient.Loss.NONE,
            "f1048576",
            Map.of("blksize", "65464", "windowsize", "64"));
    assertThat(result.optionAck())
        .containsEntry("blksize", "65464")
        .containsEntry("windowsize", "1");
    assertThat(result.content()).isEqualTo(files.get("f1048576"));
  }

  @Test
  void randomGarbageNeverStopsTheServer() throws Exception {
    long seed = SEED + 1;
    Random random = new Random(seed);
    try (TestTftpClient client = new TestTftpClient(seed, TestTftpClient.Loss.NONE)) {
      for (int i = 0; i < 500; i++) {
        byte[] junk = new byte[random.nextInt(600)];
        random.nextBytes(junk);
        if (junk.length >= 2 && random.nextBoolean()) {
          junk[0] = 0;
          junk[1] = (byte) (1 + random.nextInt(6)); // a real opcode with a garbage body
        }
        client.sendRaw(address, junk);
      }
    }
    // Garbage also lands on a transfer port mid-transfer.
    try (TestTftpClient client = new TestTftpClient(seed, TestTftpClient.Loss.NONE)) {
      ByteBuf rrq =
          TftpCodec.request(
              ByteBufAllocator.DEFAULT, false, "f1048576", "octet", Map.of("blksize", "1024"));
      client.sendRaw(address, ByteBufUtil.getBytes(rrq));
      rrq.release();
      Map.Entry<InetSocketAddress, TftpPacket> first = client.receive(2000);
      assertThat(first.getValue()).isInstanceOf(TftpPacket.OptionAck.class);
      for (int i = 0; i < 200; i++) {
        byte[] junk = new byte[random.nextInt(40)];
        random.nextBytes(junk);
        if (junk.length >= 2 && junk[1] == TftpPacket.ACK) {
          junk[1] = 9;
        }
        client.sendRaw(first.getKey(), junk);
      }
    }
    TestTftpClient.Result result =
        get(seed, TestTftpClient.Loss.NONE, "f1048576", Map.of("blksize", "1432"));
    assertThat(result.content()).as("seed %d", seed).isEqualTo(files.get("f1048576"));
  }

  @Test
  void aClientThatGoesSilentIsGivenUpAfterTheRetries() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> server.activeTransfers() == 0);
    try (TestTftpClient client = new TestTftpClient(SEED, TestTftpClient.Loss.NONE)) {
      ByteBuf rrq =
          TftpCodec.request(ByteBufAllocator.DEFAULT, false, "f300000", "octet", Map.of());
      client.sendRaw(address, ByteBufUtil.getBytes(rrq));
      rrq.release();
      Map.Entry<InetSocketAddress, TftpPacket> first = client.receive(3000);
      assertThat(((TftpPacket.Data) first.getValue()).block()).isEqualTo(1);
      // The client answers once, so it is known to have asked; then it goes silent.
      ByteBuf ack = TftpCodec.ack(ByteBufAllocator.DEFAULT, 1);
      client.sendRaw(first.getKey(), ByteBufUtil.getBytes(ack));
      ack.release();
      List<TftpPacket> seen = new ArrayList<>();
      while (seen.size() < 7) {
        seen.add(client.receive(3000).getValue());
      }
      // block 2, five retransmissions of it, then the error that ends the transfer
      assertThat(seen.subList(0, 6))
          .allSatisfy(p -> assertThat(((TftpPacket.Data) p).block()).isEqualTo(2));
      assertThat(seen.get(6)).isInstanceOf(TftpPacket.Error.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.activeTransfers() == 0);
    }
  }

  @Test
  void aRequestFromAPeerThatNeverAnswersCostsAtMostTwoPackets() throws Exception {
    // A 16-byte read request with a forged source address: the "victim" is this socket, which
    // never acknowledges anything and counts what reaches it.
    await().atMost(Duration.ofSeconds(10)).until(() -> server.activeTransfers() == 0);
    long before = server.unverifiedBytesSent();
    try (java.net.DatagramSocket victim =
        new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      byte[] rrq = "\0\1f300000\0octet\0".getBytes(StandardCharsets.ISO_8859_1);
      assertThat(rrq).hasSize(16);
      victim.send(new java.net.DatagramPacket(rrq, rrq.length, address));
      victim.setSoTimeout(1500); // 15 retransmit timeouts of the server: far past its give-up
      long bytes = 0;
      int packets = 0;
      byte[] buf = new byte[65536];
      while (true) {
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        try {
          victim.receive(p);
        } catch (java.net.SocketTimeoutException e) {
          break;
        }
        bytes += p.getLength();
        packets++;
        assertThat(buf[1]).as("only DATA reaches an unverified peer, no ERROR").isEqualTo((byte) 3);
      }
      assertThat(packets).isEqualTo(2); // block 1 and one resend
      assertThat(bytes).isEqualTo(2 * 516);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.activeTransfers() == 0);
      assertThat(server.unverifiedBytesSent() - before).isEqualTo(bytes);
    }
  }

  @Test
  void aForgedRequestAskingForTheLongestTimeoutDoesNotHoldATransferSlot() throws Exception {
    // RFC 2349 lets a request ask for up to 255 s between retransmissions. Honoured before the
    // peer ever answered, 1000 forged requests would hold every transfer slot for minutes.
    await().atMost(Duration.ofSeconds(10)).until(() -> server.activeTransfers() == 0);
    try (java.net.DatagramSocket victim =
        new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      byte[] rrq =
          ("\0\1f300000\0octet\0timeout\0" + "255\0").getBytes(StandardCharsets.ISO_8859_1);
      victim.send(new java.net.DatagramPacket(rrq, rrq.length, address));
      byte[] buf = new byte[65536];
      victim.setSoTimeout(5000);
      java.net.DatagramPacket oack = new java.net.DatagramPacket(buf, buf.length);
      victim.receive(oack);
      assertThat(TftpCodec.decode(io.netty.buffer.Unpooled.wrappedBuffer(buf, 0, oack.getLength())))
          .as("the option is still acknowledged")
          .isEqualTo(new TftpPacket.OptionAck(Map.of("timeout", "255")));
      assertThat(server.activeTransfers()).isEqualTo(1);
      // Never acknowledged: the transfer ends on the server's own timeout, not in 2 x 255 s.
      await().atMost(Duration.ofSeconds(20)).until(() -> server.activeTransfers() == 0);
    }
  }

  @Test
  void twoHundredConcurrentTransfersAreAllExact() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(200);
    try {
      List<Future<TestTftpClient.Result>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        long seed = SEED + i;
        // 200 client threads on a small machine can stall for longer than this server's 100 ms test
        // timeout, so they ask for the 3 s a real deployment would use.
        Map<String, String> options =
            i % 2 == 0
                ? Map.of("blksize", "1432", "timeout", "3")
                : Map.of("blksize", "1432", "windowsize", "16", "timeout", "3");
        results.add(pool.submit(() -> get(seed, TestTftpClient.Loss.NONE, "f1048576", options)));
      }
      for (int i = 0; i < results.size(); i++) {
        TestTftpClient.Result result = results.get(i).get(120, TimeUnit.SECONDS);
        assertThat(result.error()).as("transfer %d", i).isNull();
        assertThat(result.content()).as("transfer %d", i).isEqualTo(files.get("f1048576"));
      }
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> server.activeTransfers() == 0);
  }

  private static TftpPacket exchange(byte[] bytes) throws IOException {
    try (TestTftpClient client = new TestTftpClient(SEED, TestTftpClient.Loss.NONE)) {
      return client.exchange(address, bytes);
    }
  }
}
