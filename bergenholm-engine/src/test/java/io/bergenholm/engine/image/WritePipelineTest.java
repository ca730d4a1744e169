package io.bergenholm.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.ImageTarget;
import io.bergenholm.engine.store.MemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download's pipeline (receive, then write and hash on threads of their own) against a real
 * file and, through the image service, a real upstream on 127.0.0.1: bounded under a slow writer,
 * whole or nothing under upstream faults while the writer lags, and no thread left behind.
 */
class WritePipelineTest {
  private static final long SEED = 0x9197L;

  private final Bergenholm sources = Bergenholm.builder().store(new MemoryStore()).build();
  private final Random random = new Random(SEED);
  private final List<ImageService> services = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  @TempDir Path cacheDir;
  private TestUpstream upstream;

  @BeforeEach
  void start() throws IOException {
    upstream = new TestUpstream();
  }

  @AfterEach
  void stop() throws IOException {
    threads.shutdownNow();
    services.forEach(ImageService::close);
    sources.close();
    upstream.close();
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private ImageService service(Duration timeout) {
    ImageService s =
        new ImageService(
            new ImageSettings(
                cacheDir,
                1L << 30,
                timeout,
                Duration.ofMinutes(5),
                Set.of(),
                ImageServiceTest.LOCAL_AND_FILE),
            sources::imageSource);
    services.add(s);
    return s;
  }

  private static List<String> pipelineThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.matches("image-download-\\d+-(write|hash)"))
        .toList();
  }

  /** Waits (bounded) until no pipeline thread runs any more, and says which still do. */
  private static List<String> pipelineThreadsAfterTheyEnd() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!pipelineThreads().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return pipelineThreads();
  }

  private List<Path> cacheFiles() throws IOException {
    try (Stream<Path> files = Files.walk(cacheDir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  /** Makes the writer thread slow: each write waits before it is announced. */
  private static Runnable lagging(int millis) {
    return () -> {
      if (Thread.currentThread().getName().endsWith("-write")) {
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  @Test
  void aSlowWriterHoldsBackTheReceiverAndTheDigestCoversEveryByteInOrder() throws Exception {
    byte[] data = bytes(9 * WritePipeline.BUFFER_SIZE + 12_345);
    Path file = cacheDir.resolve("out");
    CountDownLatch writerMayGo = new CountDownLatch(1);
    List<Long> announced = new CopyOnWriteArrayList<>();
    AtomicInteger taken = new AtomicInteger();
    Optional<String> hex;
    try (FileChannel out =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        WritePipeline pipeline =
            new WritePipeline(
                out,
                "test",
                "image-download-0",
                total -> {
                  announced.add(total);
                  try {
                    writerMayGo.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                true)) {
      Future<Optional<String>> receiver =
          threads.submit(
              () -> {
                int at = 0;
                int piece = 1;
                while (at < data.length) {
                  ByteBuffer b = pipeline.take();
                  taken.incrementAndGet();
                  // Uneven fills, as a network gives them.
                  int n = Math.min(Math.min(b.remaining(), piece * 70_001), data.length - at);
                  b.put(data, at, n);
                  at += n;
                  piece = piece % 20 + 1;
                  pipeline.submit(b);
                }
                return pipeline.finish();
              });
      // The writer is stuck on its first buffer: the receiver gets the other free ones, no more.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (taken.get() < WritePipeline.BUFFERS && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(200);
      assertThat(taken.get()).isEqualTo(WritePipeline.BUFFERS);
      assertThat(receiver.isDone()).isFalse();
      writerMayGo.countDown();
      hex = receiver.get(30, TimeUnit.SECONDS);
    }
    assertThat(hex).contains(ImageServiceTest.sha256(data));
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(announced).isSorted().doesNotHaveDuplicates();
    assertThat(announced.get(announced.size() - 1)).isEqualTo(data.length);
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
  }

  @Test
  void withoutHashingTheWriterGivesBuffersBackAndNoHasherRuns() throws Exception {
    byte[] data = bytes(6 * WritePipeline.BUFFER_SIZE + 4321);
    Path file = cacheDir.resolve("out");
    List<String> threadsWhileWriting = new CopyOnWriteArrayList<>();
    Optional<String> hex;
    try (FileChannel out =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        WritePipeline pipeline =
            new WritePipeline(
                out,
                "test",
                "image-download-0",
                total -> threadsWhileWriting.addAll(pipelineThreads()),
                false)) {
      // More buffers than circulate: only the writer can have given them back.
      for (int at = 0; at < data.length; ) {
        ByteBuffer b = pipeline.take();
        int n = Math.min(b.remaining(), data.length - at);
        b.put(data, at, n);
        at += n;
        pipeline.submit(b);
      }
      hex = pipeline.finish();
    }
    assertThat(hex).isEmpty();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(threadsWhileWriting).contains("image-download-0-write");
    assertThat(threadsWhileWriting).noneMatch(n -> n.endsWith("-hash"));
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
  }

  @Test
  void aLargeImageReachesEveryFollowerWholeThroughThePipeline() throws Exception {
    byte[] image = bytes(5 * WritePipeline.BUFFER_SIZE + 777);
    TestUpstream.Resource r = upstream.put("/big", image);
    r.gate = new CountDownLatch(1);
    r.gateAt = 4096; // all followers join before the body flows
    ImageService s = service(Duration.ofSeconds(10));
    ImageTarget t =
        new ImageTarget(
            "kernel",
            upstream.uri("/big"),
            Optional.empty(),
            Optional.of(ImageServiceTest.sha256(image)));
    List<ImageHandle> handles = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        handles.add(s.open("host-" + i, t));
      }
      handles.get(0).onProgress(lagging(3));
      r.gate.countDown();
      for (ImageHandle h : handles) {
        assertThat(h.openStream().readAllBytes()).isEqualTo(image);
      }
    } finally {
      for (ImageHandle h : handles) {
        h.close();
      }
    }
    assertThat(upstream.requests("/big")).isEqualTo(1);
    assertThat(s.metrics().cachedImages()).isEqualTo(1);
    try (ImageHandle warm = s.open("host-9", t)) {
      assertThat(warm.fromCache()).isTrue();
      assertThat(warm.openStream().readAllBytes()).isEqualTo(image);
    }
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
  }

  @Test
  void anUpstreamCutWhileTheWriterLagsFailsEveryFollowerAndLeavesNoFileNorThread()
      throws Exception {
    byte[] image = bytes(3 * WritePipeline.BUFFER_SIZE);
    TestUpstream.Resource r = upstream.put("/cut", image);
    r.fault = TestUpstream.Fault.CUT;
    r.gate = new CountDownLatch(1);
    r.gateAt = 1000;
    ImageService s = service(Duration.ofSeconds(5));
    ImageTarget t =
        new ImageTarget("kernel", upstream.uri("/cut"), Optional.empty(), Optional.empty());
    try (ImageHandle lag = s.open("host-1", t);
        ImageHandle reader = s.open("host-2", t)) {
      lag.onProgress(lagging(20));
      r.gate.countDown();
      InputStream in = reader.openStream();
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
      assertThat(failure).isNotNull();
      assertThat(got).isLessThan(image.length);
      assertThat(reader.state()).isInstanceOf(ImageHandle.State.Failed.class);
      assertThat(lag.state()).isInstanceOf(ImageHandle.State.Failed.class);
    }
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
    assertThat(cacheFiles()).isEmpty();
    assertThat(s.metrics().cachedImages()).isZero();
  }

  @Test
  void aWrongChecksumOfALargeImageNeverReleasesTheLastByte() throws Exception {
    byte[] image = bytes(4 * WritePipeline.BUFFER_SIZE + 3);
    upstream.put("/wrong", image);
    ImageService s = service(Duration.ofSeconds(5));
    ImageTarget t =
        new ImageTarget(
            "kernel",
            upstream.uri("/wrong"),
            Optional.empty(),
            Optional.of(ImageServiceTest.sha256(bytes(10))));
    try (ImageHandle h = s.open("host-1", t)) {
      h.onProgress(lagging(5));
      InputStream in = h.openStream();
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
    }
    assertThat(cacheFiles()).isEmpty();
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
  }

  @Test
  void closingTheServiceMidDownloadFailsTheFollowerAndStopsThePipeline() throws Exception {
    byte[] image = bytes(3 * WritePipeline.BUFFER_SIZE);
    TestUpstream.Resource r = upstream.put("/held", image);
    r.gate = new CountDownLatch(1); // never opened: the download waits mid-body
    r.gateAt = WritePipeline.BUFFER_SIZE + 5;
    ImageService s = service(Duration.ofSeconds(20));
    ImageTarget t =
        new ImageTarget("kernel", upstream.uri("/held"), Optional.empty(), Optional.empty());
    try (ImageHandle h = s.open("host-1", t)) {
      InputStream in = h.openStream();
      byte[] first = in.readNBytes(WritePipeline.BUFFER_SIZE);
      assertThat(first.length).isEqualTo(WritePipeline.BUFFER_SIZE);
      // No host named a digest: the writer runs, and the hashing waits until the image is whole.
      assertThat(pipelineThreads()).singleElement().asString().endsWith("-write");
      s.close();
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
      assertThat(h.state()).isInstanceOf(ImageHandle.State.Failed.class);
    }
    assertThat(pipelineThreadsAfterTheyEnd()).isEmpty();
    assertThat(cacheFiles()).isEmpty();
  }
}
