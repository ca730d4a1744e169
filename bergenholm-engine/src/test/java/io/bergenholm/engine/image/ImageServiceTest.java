package io.bergenholm.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.store.MemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ImageServiceTest {
  /** The engine's own image sources (http, https, file), as the runner gets them. */
  private final Bergenholm sources = Bergenholm.builder().store(new MemoryStore()).build();

  private static final long SEED = 0x1a9e5L;

  @TempDir Path cacheDir;
  private TestUpstream upstream;
  private final List<ImageService> services = new ArrayList<>();
  private final Random random = new Random(SEED);

  @BeforeEach
  void start() throws IOException {
    upstream = new TestUpstream();
  }

  @AfterEach
  void stop() throws IOException {
    sources.close();
    services.forEach(ImageService::close);
    upstream.close();
  }

  static final SourcePolicy LOCAL_AND_FILE =
      new SourcePolicy(Set.of("http", "https", "file"), true, false, true, true);

  private ImageService service(
      long maxBytes, Duration timeout, Duration revalidate, Set<String> allowed) {
    ImageService s =
        new ImageService(
            // The upstreams of these tests run on this machine, and one test serves file: URLs.
            new ImageSettings(cacheDir, maxBytes, timeout, revalidate, allowed, LOCAL_AND_FILE),
            sources::imageSource);
    services.add(s);
    return s;
  }

  private ImageService service() {
    return service(1L << 30, Duration.ofSeconds(5), Duration.ofMinutes(5), Set.of());
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static ImageTarget target(URI url) {
    return new ImageTarget("kernel", url, Optional.empty(), Optional.empty());
  }

  private static byte[] read(ImageService s, ImageTarget t) throws IOException {
    try (ImageHandle h = s.open("host-1", t);
        InputStream in = h.openStream()) {
      return in.readAllBytes();
    }
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private List<Path> cacheFiles() throws IOException {
    try (Stream<Path> files = Files.walk(cacheDir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void coldThenWarmFetchesOnce() throws Exception {
    byte[] image = bytes(300_000);
    upstream.put("/vmlinuz", image);
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/vmlinuz"));

    try (ImageHandle cold = s.open("host-1", t)) {
      assertThat(cold.fromCache()).isFalse();
      assertThat(cold.length()).hasValue(image.length);
      assertThat(cold.openStream().readAllBytes()).isEqualTo(image);
    }
    try (ImageHandle warm = s.open("host-2", t)) {
      assertThat(warm.fromCache()).isTrue();
      assertThat(warm.state()).isEqualTo(new ImageHandle.State.Complete(image.length));
      assertThat(warm.openStream().readAllBytes()).isEqualTo(image);
    }
    assertThat(upstream.requests("/vmlinuz")).isEqualTo(1);
    ImageMetricsSnapshot m = s.metrics();
    assertThat(m.hits()).isEqualTo(1);
    assertThat(m.misses()).isEqualTo(1);
    assertThat(m.upstreamFetches()).isEqualTo(1);
    assertThat(m.bytesFetched()).isEqualTo(image.length);
    assertThat(m.bytesServed()).isEqualTo(2L * image.length);
    assertThat(m.cachedBytes()).isEqualTo(image.length);
    assertThat(m.failures()).isZero();
  }

  @Test
  void hundredConcurrentRequestersCauseOneUpstreamRequest() throws Exception {
    byte[] image = bytes(2_000_000);
    TestUpstream.Resource r = upstream.put("/initrd", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length / 3;
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/initrd"));
    int clients = 100;
    CountDownLatch opened = new CountDownLatch(clients);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<byte[]>> copies = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String host = "host-" + i;
        copies.add(
            pool.submit(
                () -> {
                  try (ImageHandle h = s.open(host, t)) {
                    opened.countDown();
                    return h.openStream().readAllBytes();
                  }
                }));
      }
      assertThat(opened.await(20, TimeUnit.SECONDS)).isTrue();
      r.gate.countDown();
      for (Future<byte[]> copy : copies) {
        assertThat(copy.get(30, TimeUnit.SECONDS)).isEqualTo(image);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(upstream.requests("/initrd")).isEqualTo(1);
    assertThat(s.metrics().misses()).isEqualTo(clients);
    assertThat(s.metrics().upstreamFetches()).isEqualTo(1);
  }

  @Test
  void lateJoinerGetsTheBytesAlreadyReceivedThenTheRest() throws Exception {
    byte[] image = bytes(1_000_000);
    TestUpstream.Resource r = upstream.put("/late", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length / 2;
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/late"));
    try (ImageHandle first = s.open("host-1", t)) {
      InputStream in = first.openStream();
      byte[] head = in.readNBytes(image.length / 2);
      assertThat(head).isEqualTo(java.util.Arrays.copyOf(image, image.length / 2));
      try (ImageHandle late = s.open("host-2", t)) {
        assertThat(late.fromCache()).isFalse();
        assertThat(((ImageHandle.State.Receiving) late.state()).sendable())
            .isEqualTo(image.length / 2);
        r.gate.countDown();
        assertThat(late.openStream().readAllBytes()).isEqualTo(image);
      }
      assertThat(in.readAllBytes())
          .isEqualTo(java.util.Arrays.copyOfRange(image, image.length / 2, image.length));
    }
    assertThat(upstream.requests("/late")).isEqualTo(1);
  }

  @Test
  void openIfReadyNeverWaitsForUpstream() throws Exception {
    byte[] image = bytes(400_000);
    TestUpstream.Resource r = upstream.put("/ready", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = 1000;
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/ready"));
    assertThat(s.openIfReady("host-1", t)).isEmpty(); // cold: nothing started
    assertThat(upstream.requests("/ready")).isZero();
    try (ImageHandle first = s.open("host-1", t)) {
      try (ImageHandle joined = s.openIfReady("host-2", t).orElseThrow()) {
        assertThat(joined.fromCache()).isFalse();
        r.gate.countDown();
        assertThat(joined.openStream().readAllBytes()).isEqualTo(image);
      }
      assertThat(first.openStream().readAllBytes()).isEqualTo(image);
    }
    try (ImageHandle warm = s.openIfReady("host-3", t).orElseThrow()) {
      assertThat(warm.fromCache()).isTrue();
    }
    assertThat(upstream.requests("/ready")).isEqualTo(1);
  }

  @Test
  void restartKeepsTheCache() throws Exception {
    byte[] image = bytes(100_000);
    upstream.put("/kept", image);
    ImageTarget t = target(upstream.uri("/kept"));
    ImageService first = service();
    assertThat(read(first, t)).isEqualTo(image);
    first.close();

    ImageService second = service();
    try (ImageHandle h = second.open("host-1", t)) {
      assertThat(h.fromCache()).isTrue();
      assertThat(h.openStream().readAllBytes()).isEqualTo(image);
    }
    assertThat(upstream.requests("/kept")).isEqualTo(1);
    assertThat(second.metrics().cachedImages()).isEqualTo(1);
  }

  @Test
  void leftoversOfAnInterruptedRunAreRemovedAtStart() throws Exception {
    Files.createDirectories(cacheDir.resolve("tmp"));
    Files.write(cacheDir.resolve("tmp").resolve("k.0.part"), bytes(100));
    Files.write(cacheDir.resolve("0".repeat(64) + ".data"), bytes(100)); // no metadata
    ImageService s = service();
    assertThat(cacheFiles()).isEmpty();
    assertThat(s.metrics().cachedImages()).isZero();
  }

  @Test
  void evictionKeepsTheCacheUnderItsBoundLeastRecentlyUsedFirst() throws Exception {
    int size = 100_000;
    long bound = size * 5L / 2;
    ImageService s = service(bound, Duration.ofSeconds(5), Duration.ofMinutes(5), Set.of());
    for (String name : List.of("/a", "/b", "/c", "/d")) {
      upstream.put(name, bytes(size));
    }
    read(s, target(upstream.uri("/a")));
    read(s, target(upstream.uri("/b")));
    read(s, target(upstream.uri("/a"))); // a is now more recent than b
    read(s, target(upstream.uri("/c"))); // over the bound: b goes
    assertThat(s.metrics().cachedBytes()).isLessThanOrEqualTo(bound);
    read(s, target(upstream.uri("/a")));
    assertThat(upstream.requests("/a")).isEqualTo(1);
    read(s, target(upstream.uri("/b")));
    assertThat(upstream.requests("/b")).isEqualTo(2);
    read(s, target(upstream.uri("/d")));
    assertThat(s.metrics().cachedBytes()).isLessThanOrEqualTo(bound);
    long onDisk = 0;
    for (Path f : cacheFiles()) {
      if (f.toString().endsWith(".data")) {
        onDisk += Files.size(f);
      }
    }
    assertThat(onDisk).isLessThanOrEqualTo(bound).isEqualTo(s.metrics().cachedBytes());
  }

  @Test
  void revalidatesWithEtagAndFetchesANewVersion() throws Exception {
    byte[] v1 = bytes(50_000);
    byte[] v2 = bytes(60_000);
    upstream.put("/reval", v1);
    ImageService s = service(1L << 30, Duration.ofSeconds(5), Duration.ZERO, Set.of());
    ImageTarget t = target(upstream.uri("/reval"));
    assertThat(read(s, t)).isEqualTo(v1);
    try (ImageHandle h = s.open("host-1", t)) {
      assertThat(h.fromCache()).isTrue();
      assertThat(h.openStream().readAllBytes()).isEqualTo(v1);
    }
    List<TestUpstream.Request> log = upstream.requestLog();
    assertThat(log).hasSize(2);
    assertThat(log.get(0).headers()).doesNotContainKey("if-none-match");
    assertThat(log.get(1).headers())
        .containsEntry("if-none-match", "\"v1\"")
        .containsKey("if-modified-since");
    assertThat(s.metrics().revalidations()).isEqualTo(1);

    upstream.replace("/reval", v2);
    assertThat(read(s, t)).isEqualTo(v2);
    assertThat(read(s, t)).isEqualTo(v2);
    assertThat(s.metrics().cachedBytes()).isEqualTo(v2.length);
  }

  @Test
  void servesTheCachedCopyWhenUpstreamCannotRevalidate() throws Exception {
    byte[] image = bytes(20_000);
    TestUpstream.Resource r = upstream.put("/flaky", image);
    ImageService s = service(1L << 30, Duration.ofSeconds(5), Duration.ZERO, Set.of());
    ImageTarget t = target(upstream.uri("/flaky"));
    read(s, t);
    r.fault = TestUpstream.Fault.SERVER_ERROR;
    assertThat(read(s, t)).isEqualTo(image);
    r.fault = TestUpstream.Fault.NOT_FOUND;
    assertThatThrownBy(() -> s.open("host-1", t)).isInstanceOf(NotFoundException.class);
    assertThat(s.metrics().cachedImages()).isZero();
  }

  enum MidStreamFault {
    STALL,
    CUT,
    LONGER_LENGTH,
    WRONG_CHECKSUM
  }

  @ParameterizedTest
  @EnumSource(MidStreamFault.class)
  void aFaultMidStreamFailsEveryFollowerLeavesNoEntryAndTheNextRequestSucceeds(MidStreamFault fault)
      throws Exception {
    byte[] image = bytes(400_000);
    TestUpstream.Resource r = upstream.put("/bad", image);
    r.fault =
        switch (fault) {
          case STALL -> TestUpstream.Fault.STALL;
          case CUT -> TestUpstream.Fault.CUT;
          case LONGER_LENGTH -> TestUpstream.Fault.LONGER_LENGTH;
          case WRONG_CHECKSUM -> TestUpstream.Fault.NONE;
        };
    ImageService s = service(1L << 30, Duration.ofMillis(700), Duration.ofMinutes(5), Set.of());
    String good = sha256(image);
    String expected = fault == MidStreamFault.WRONG_CHECKSUM ? sha256(bytes(10)) : good;
    ImageTarget t =
        new ImageTarget("kernel", upstream.uri("/bad"), Optional.empty(), Optional.of(expected));

    r.gate = new CountDownLatch(1); // both requesters join before the fault
    r.gateAt = 1000;
    try (ImageHandle a = s.open("host-1", t);
        ImageHandle b = s.open("host-2", t)) {
      r.gate.countDown();
      InputStream ina = a.openStream();
      InputStream inb = b.openStream();
      assertThatThrownBy(ina::readAllBytes).isInstanceOf(IOException.class);
      assertThatThrownBy(inb::readAllBytes).isInstanceOf(IOException.class);
      assertThat(a.state()).isInstanceOf(ImageHandle.State.Failed.class);
    }
    assertThat(cacheFiles()).isEmpty();
    assertThat(s.metrics().cachedImages()).isZero();
    assertThat(s.metrics().failures()).isEqualTo(1);
    assertThat(upstream.requests("/bad")).isEqualTo(1);

    r.fault = TestUpstream.Fault.NONE;
    r.gate = null;
    ImageTarget fixed =
        new ImageTarget("kernel", upstream.uri("/bad"), Optional.empty(), Optional.of(good));
    assertThat(read(s, fixed)).isEqualTo(image);
    assertThat(s.metrics().cachedImages()).isEqualTo(1);
  }

  @Test
  void theLastByteWaitsForTheChecksum() throws Exception {
    byte[] image = bytes(200_000);
    TestUpstream.Resource r = upstream.put("/held", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length; // every byte sent, then the connection waits before closing
    ImageService s = service();
    ImageTarget t =
        new ImageTarget(
            "kernel", upstream.uri("/held"), Optional.empty(), Optional.of(sha256(image)));
    try (ImageHandle h = s.open("host-1", t)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (s.metrics().bytesFetched() < image.length && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      r.gate.countDown();
      // Whatever the timing, the state never offers every byte before it is Complete.
      ImageHandle.State state = h.state();
      if (state instanceof ImageHandle.State.Receiving receiving) {
        assertThat(receiving.sendable()).isLessThan(image.length);
      }
      assertThat(h.openStream().readAllBytes()).isEqualTo(image);
      assertThat(h.state()).isEqualTo(new ImageHandle.State.Complete(image.length));
    }
  }

  /** Waits (bounded) until the service has computed {@code n} digests afterwards. */
  private static void awaitDigestsAfterward(ImageService s, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.metrics().digestsAfterward() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(s.metrics().digestsAfterward()).isEqualTo(n);
  }

  private Path metaFile(URI url) {
    return cacheDir.resolve(CacheIndex.keyOf(url.toString()) + ".meta");
  }

  @Test
  void withoutAnExpectedDigestTheImageIsReleasedWholeAndItsDigestRecordedAfterwards()
      throws Exception {
    byte[] image = bytes(3 * WritePipeline.BUFFER_SIZE + 99);
    upstream.put("/plain", image);
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/plain"));
    try (ImageHandle h = s.open("host-1", t)) {
      assertThat(h.openStream().readAllBytes()).isEqualTo(image);
      assertThat(h.state()).isEqualTo(new ImageHandle.State.Complete(image.length));
    }
    awaitDigestsAfterward(s, 1);
    assertThat(Files.readString(metaFile(upstream.uri("/plain"))))
        .contains("sha256=" + sha256(image));
    // A host that names the digest now finds it recorded: a hit, nothing computed again.
    ImageTarget named =
        new ImageTarget(
            "kernel", upstream.uri("/plain"), Optional.empty(), Optional.of(sha256(image)));
    try (ImageHandle h = s.open("host-2", named)) {
      assertThat(h.fromCache()).isTrue();
      assertThat(h.openStream().readAllBytes()).isEqualTo(image);
    }
    assertThat(s.metrics().digestsAfterward()).isEqualTo(1);
    assertThat(upstream.requests("/plain")).isEqualTo(1);
  }

  @Test
  void followersThatNameADigestGetTheLastByteOnlyWhenTheDigestComputedAfterwardsMatches()
      throws Exception {
    byte[] image = bytes(2 * WritePipeline.BUFFER_SIZE + 5);
    TestUpstream.Resource r = upstream.put("/shared", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = image.length / 2;
    ImageService s = service();
    URI url = upstream.uri("/shared");
    try (ImageHandle plain = s.open("plain", target(url));
        ImageHandle good =
            s.open(
                "good",
                new ImageTarget("kernel", url, Optional.empty(), Optional.of(sha256(image))));
        ImageHandle wrong =
            s.open(
                "wrong",
                new ImageTarget("kernel", url, Optional.empty(), Optional.of(sha256(bytes(1)))))) {
      r.gate.countDown();
      assertThat(plain.openStream().readAllBytes()).isEqualTo(image);
      assertThat(good.openStream().readAllBytes()).isEqualTo(image);
      assertThat(good.state()).isEqualTo(new ImageHandle.State.Complete(image.length));
      InputStream in = wrong.openStream();
      byte[] buffer = new byte[64 * 1024];
      long got = 0;
      IOException failure = null;
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          got += n;
        }
      } catch (IOException e) {
        failure = e;
      }
      assertThat(failure).hasMessageContaining("sha256");
      assertThat(got).isLessThan(image.length);
      assertThat(wrong.state()).isInstanceOf(ImageHandle.State.Failed.class);
    }
    assertThat(upstream.requests("/shared")).isEqualTo(1);
    assertThat(s.metrics().digestsAfterward()).isEqualTo(1);
    assertThat(s.metrics().cachedImages()).isEqualTo(1);
  }

  @Test
  void aCachedImageWithoutADigestIsHashedOnceHoweverManyHostsThatNameOneAskAtOnce()
      throws Exception {
    byte[] image = bytes(8 * WritePipeline.BUFFER_SIZE);
    upstream.put("/undigested", image);
    URI url = upstream.uri("/undigested");
    ImageService first = service();
    assertThat(read(first, target(url))).isEqualTo(image);
    awaitDigestsAfterward(first, 1);
    first.close();
    // As after a stop between the release and the digest: the entry has no digest on disk.
    Path meta = metaFile(url);
    Files.writeString(meta, Files.readString(meta).replaceAll("(?m)^sha256=.*\\R", ""));
    assertThat(Files.readString(meta)).doesNotContain("sha256");

    ImageService second = service();
    ImageTarget named =
        new ImageTarget("kernel", url, Optional.empty(), Optional.of(sha256(image)));
    int hosts = 8;
    CyclicBarrier together = new CyclicBarrier(hosts);
    ExecutorService pool = Executors.newFixedThreadPool(hosts);
    try {
      List<Future<byte[]>> reads = new ArrayList<>();
      for (int i = 0; i < hosts; i++) {
        reads.add(
            pool.submit(
                () -> {
                  together.await(10, TimeUnit.SECONDS);
                  return read(second, named);
                }));
      }
      for (Future<byte[]> f : reads) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(image);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(second.metrics().digestsAfterward()).isEqualTo(1);
    assertThat(second.metrics().hits()).isEqualTo(hosts);
    assertThat(upstream.requests("/undigested")).isEqualTo(1);
    assertThat(Files.readString(meta)).contains("sha256=" + sha256(image));

    // A host expecting another digest gets no cached copy: a fresh fetch, which fails the check.
    ImageTarget other =
        new ImageTarget("kernel", url, Optional.empty(), Optional.of(sha256(bytes(2))));
    assertThatThrownBy(() -> read(second, other)).hasMessageContaining("sha256");
    assertThat(upstream.requests("/undigested")).isEqualTo(2);
    assertThat(read(second, named)).isEqualTo(image);
    assertThat(upstream.requests("/undigested")).isEqualTo(2);
  }

  @Test
  void aDigestIsRecordedOnlyForTheCopyItWasComputedFromAndDoesNotCountAsAUse(@TempDir Path dir)
      throws Exception {
    CacheIndex cache = new CacheIndex(dir, 250);
    List<CacheIndex.Committed> committed = new ArrayList<>();
    for (String key : List.of("a", "b")) {
      Path part = cache.newTemporaryFile(key);
      Files.write(part, bytes(100));
      committed.add(
          cache.commit(
              part,
              new CacheEntry(
                  key,
                  key,
                  100,
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Instant.now())));
    }
    assertThat(committed.get(0).generation()).isNotEqualTo(committed.get(1).generation());
    assertThat(cache.recordDigest("a", committed.get(1).generation(), "f".repeat(64))).isFalse();
    assertThat(cache.peek("a").orElseThrow().sha256()).isEmpty();
    assertThat(cache.recordDigest("a", committed.get(0).generation(), "e".repeat(64))).isTrue();
    assertThat(cache.peek("a").orElseThrow().sha256()).contains("e".repeat(64));
    // Peeking is not a use either; a third image evicts a, the least recently used.
    Path part = cache.newTemporaryFile("c");
    Files.write(part, bytes(100));
    cache.commit(
        part,
        new CacheEntry(
            "c", "c", 100, Optional.empty(), Optional.empty(), Optional.empty(), Instant.now()));
    assertThat(cache.peek("a")).isEmpty();
    assertThat(cache.peek("b")).isPresent();
    assertThat(new CacheIndex(dir, 250).peek("b").orElseThrow().sha256()).isEmpty();
  }

  @Test
  void anUpstreamTricklingJustInsideTheReadTimeoutIsCutOffAtTheMinimumRate() throws Exception {
    byte[] image = bytes(600_000);
    TestUpstream.Resource r = upstream.put("/trickle", image);
    // One 16 KiB piece every 250 ms: each read returns well inside the 700 ms timeout, so only the
    // rate (about 64 KiB/s, against a minimum of 512 KiB/s) can tell this upstream apart.
    r.pauseMillisPerPiece = 250;
    ImageService s =
        new ImageService(
            new ImageSettings(
                cacheDir,
                1L << 30,
                Duration.ofMillis(700),
                Duration.ofMinutes(5),
                Set.of(),
                LOCAL_AND_FILE,
                512 * 1024),
            sources::imageSource);
    services.add(s);
    ImageTarget t = target(upstream.uri("/trickle"));
    assertThatThrownBy(() -> read(s, t))
        .hasMessageContaining("images.min_rate = 524288 bytes per second")
        .hasMessageContaining("/trickle");
    assertThat(cacheFiles()).isEmpty();
    assertThat(s.metrics().failures()).isEqualTo(1);
    // The same upstream at full speed, through the same service: whole.
    r.pauseMillisPerPiece = 0;
    assertThat(read(s, t)).isEqualTo(image);
  }

  @Test
  void withoutAMinimumRateASlowUpstreamIsWaitedFor() throws Exception {
    byte[] image = bytes(100_000);
    TestUpstream.Resource r = upstream.put("/slow", image);
    r.pauseMillisPerPiece = 100;
    ImageService s =
        new ImageService(
            new ImageSettings(
                cacheDir,
                1L << 30,
                Duration.ofMillis(700),
                Duration.ofMinutes(5),
                Set.of(),
                LOCAL_AND_FILE,
                0),
            sources::imageSource);
    services.add(s);
    assertThat(read(s, target(upstream.uri("/slow")))).isEqualTo(image);
  }

  @Test
  void unknownLengthIsStreamedAndCutChunkedTransferFails() throws Exception {
    byte[] image = bytes(150_000);
    TestUpstream.Resource r = upstream.put("/chunked", image);
    r.chunked = true;
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/chunked"));
    try (ImageHandle h = s.open("host-1", t)) {
      assertThat(h.openStream().readAllBytes()).isEqualTo(image);
    }
    assertThat(s.metrics().cachedBytes()).isEqualTo(image.length);

    TestUpstream.Resource cut = upstream.put("/chunked-cut", image);
    cut.chunked = true;
    cut.fault = TestUpstream.Fault.CUT;
    try (ImageHandle h = s.open("host-1", target(upstream.uri("/chunked-cut")))) {
      assertThat(h.length()).isEmpty();
      assertThatThrownBy(() -> h.openStream().readAllBytes()).isInstanceOf(IOException.class);
    }
    assertThat(s.metrics().cachedImages()).isEqualTo(1);
  }

  @Test
  void anImageLargerThanTheWholeCacheIsRefusedAndFillsNoDisk() throws Exception {
    ImageService s = service(100_000, Duration.ofSeconds(5), Duration.ofMinutes(5), Set.of());
    // Announced: refused before a byte of the body is read, so the open itself fails.
    upstream.put("/announced", bytes(300_000));
    assertThatThrownBy(() -> s.open("host-1", target(upstream.uri("/announced"))))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("announces 300000 bytes")
        .hasMessageContaining("images.cache_max_bytes = 100000");
    // Not announced (chunked, as an endless stream would be): cut off once past the bound, seen
    // by the open or by the read, whichever comes later.
    TestUpstream.Resource endless = upstream.put("/endless", bytes(3_000_000));
    endless.chunked = true;
    assertThatThrownBy(() -> read(s, target(upstream.uri("/endless"))))
        .hasMessageContaining("sent more than 100000 bytes");
    assertThat(cacheFiles()).isEmpty();
    assertThat(s.metrics().bytesFetched()).isLessThan(100_000 + 2 * WritePipeline.BUFFER_SIZE);
    // What fits is still fetched and kept.
    byte[] small = bytes(50_000);
    upstream.put("/small", small);
    assertThat(read(s, target(upstream.uri("/small")))).isEqualTo(small);
  }

  @Test
  void upstreamRefusalsBeforeTheBodyAreExceptionsAndRetryCleanly() throws Exception {
    TestUpstream.Resource r = upstream.put("/refused", bytes(1000));
    ImageService s = service();
    ImageTarget t = target(upstream.uri("/refused"));
    r.fault = TestUpstream.Fault.NOT_FOUND;
    assertThatThrownBy(() -> s.open("host-1", t))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("/refused");
    r.fault = TestUpstream.Fault.SERVER_ERROR;
    assertThatThrownBy(() -> s.open("host-1", t))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("500");
    r.fault = TestUpstream.Fault.NONE;
    assertThat(read(s, t)).hasSize(1000);
    assertThat(upstream.requests("/refused")).isEqualTo(3);
  }

  @Test
  void unreachableUpstreamIsAnUpstreamExceptionWithoutThePassword() throws Exception {
    int port;
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
      port = closed.getLocalPort();
    }
    ImageService s = service();
    ImageTarget t = target(URI.create("http://user:s3cret@127.0.0.1:" + port + "/k"));
    assertThatThrownBy(() -> s.open("host-1", t))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("127.0.0.1:" + port + "/k")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void credentialsInTheUrlAreSentAsBasicAuthorization() throws Exception {
    upstream.put("/private", bytes(10));
    ImageService s = service();
    read(s, target(URI.create("http://user:pa%3Ass@127.0.0.1:" + upstream.port() + "/private")));
    assertThat(upstream.requestLog().get(0).headers())
        .containsEntry(
            "authorization",
            "Basic " + java.util.Base64.getEncoder().encodeToString("user:pa:ss".getBytes()));
  }

  @Test
  void redirectsAreFollowed() throws Exception {
    byte[] image = bytes(5000);
    upstream.put("/real", image);
    upstream.put("/moved", new byte[0]).redirectTo = upstream.uri("/real").toString();
    assertThat(read(service(), target(upstream.uri("/moved")))).isEqualTo(image);
  }

  @Test
  void theHostsProxyIsUsed() throws Exception {
    byte[] image = bytes(80_000);
    upstream.put("/via-proxy", image);
    try (TestUpstream.ForwardProxy proxy = new TestUpstream.ForwardProxy()) {
      ImageTarget t =
          new ImageTarget(
              "kernel", upstream.uri("/via-proxy"), Optional.of(proxy.uri()), Optional.empty());
      assertThat(read(service(), t)).isEqualTo(image);
      assertThat(proxy.targets()).containsExactly(upstream.uri("/via-proxy").toString());
    }
  }

  @Test
  void proxyCredentialsAnswerTheProxysChallenge() throws Exception {
    byte[] image = bytes(1000);
    upstream.put("/auth-proxy", image);
    try (TestUpstream.ForwardProxy proxy = new TestUpstream.ForwardProxy()) {
      proxy.requiredAuthorization =
          "Basic " + java.util.Base64.getEncoder().encodeToString("boot:pr0xy".getBytes());
      URI withCredentials = URI.create("http://boot:pr0xy@127.0.0.1:" + proxy.uri().getPort());
      ImageTarget t =
          new ImageTarget(
              "kernel",
              upstream.uri("/auth-proxy"),
              Optional.of(withCredentials),
              Optional.empty());
      assertThat(read(service(), t)).isEqualTo(image);
      assertThat(proxy.targets()).hasSize(2); // challenged, then answered
    }
  }

  @Test
  void onlyAllowedHostsAreFetched() throws Exception {
    upstream.put("/x", bytes(10));
    ImageService s =
        service(
            1L << 30, Duration.ofSeconds(5), Duration.ofMinutes(5), Set.of("mirror.example.org"));
    assertThatThrownBy(() -> s.open("host-1", target(upstream.uri("/x"))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host-1")
        .hasMessageContaining("images.allowed_hosts");
    assertThatThrownBy(() -> s.open("host-1", target(URI.create("file:/etc/hostname"))))
        .isInstanceOf(BadInputException.class);
    assertThat(upstream.requests("/x")).isZero();

    ImageService loopback =
        service(1L << 30, Duration.ofSeconds(5), Duration.ofMinutes(5), Set.of("127.0.0.1"));
    assertThat(read(loopback, target(upstream.uri("/x")))).hasSize(10);
  }

  @Test
  void unknownSchemeAndBadDigestAreBadInput() {
    ImageService s = service();
    assertThatThrownBy(() -> s.open("host-1", target(URI.create("gopher://127.0.0.1/k"))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("gopher");
    assertThatThrownBy(
            () ->
                s.open(
                    "host-1",
                    new ImageTarget(
                        "module2", upstream.uri("/k"), Optional.empty(), Optional.of("abc"))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("module2_sha256");
  }

  @Test
  void fileUrlsAreServed(@TempDir Path images) throws Exception {
    byte[] image = bytes(70_000);
    Path file = images.resolve("vmlinuz");
    Files.write(file, image);
    ImageService s = service(1L << 30, Duration.ofSeconds(5), Duration.ZERO, Set.of());
    assertThat(read(s, target(file.toUri()))).isEqualTo(image);
    assertThat(read(s, target(file.toUri()))).isEqualTo(image);
    assertThat(s.metrics().revalidations()).isEqualTo(1);
    assertThat(s.metrics().hits()).isEqualTo(1);
    assertThatThrownBy(() -> s.open("host-1", target(images.resolve("absent").toUri())))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void settingsReadTheConfigKeys() {
    ImageSettings s =
        ImageSettings.fromConfig(
            Map.of(
                "images.cache_dir",
                "/srv/cache",
                "images.cache_max_bytes",
                "2G",
                "images.timeout",
                "1500ms",
                "images.revalidate_after",
                "PT1H",
                "images.allowed_hosts",
                "a.example, *.b.example",
                "images.min_rate",
                "100K"));
    assertThat(s.cacheDir()).isEqualTo(Path.of("/srv/cache"));
    assertThat(s.minRate()).isEqualTo(100 * 1024);
    assertThat(ImageSettings.fromConfig(Map.of()).minRate())
        .isEqualTo(ImageSettings.DEFAULT_MIN_RATE);
    assertThatThrownBy(() -> ImageSettings.fromConfig(Map.of("images.min_rate", "fast")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("images.min_rate");
    assertThat(s.maxCacheBytes()).isEqualTo(2L << 30);
    assertThat(s.timeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(s.revalidateAfter()).isEqualTo(Duration.ofHours(1));
    assertThat(s.allows("http", "a.example")).isTrue();
    assertThat(s.allows("https", "x.b.example")).isTrue();
    assertThat(s.allows("http", "c.example")).isFalse();
    assertThatThrownBy(() -> ImageSettings.fromConfig(Map.of("images.timeout", "soon")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("images.timeout");
  }
}
