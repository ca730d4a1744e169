package io.bergenholm.netboot.http;

import static io.bergenholm.netboot.http.HttpRoutesTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many clients writing one host at once: with If-Match and retries, no update is lost. */
class ConcurrentWritersTest {
  private static final int WRITERS = 8;
  private static final int UPDATES_EACH = 12;

  @Test
  void readModifyWriteWithIfMatchLosesNothing() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    try (TestServer s = TestServer.start().seeded()) {
      s.send("POST", "/api/1.0/hosts/contended", "{\"groups\": [\"default\"]}");
      AtomicInteger conflicts = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        long writerSeed = random.nextLong();
        done.add(
            pool.submit(
                () -> {
                  Random r = new Random(writerSeed);
                  for (int i = 0; i < UPDATES_EACH; i++) {
                    for (int attempt = 0; ; attempt++) {
                      assertThat(attempt)
                          .as("seed %d: writer %d gave up", seed, writer)
                          .isLessThan(500);
                      HttpResponse<String> read = s.get("/api/1.0/hosts/contended");
                      ObjectNode body = (ObjectNode) json(read);
                      body.put("w" + writer + "-" + i, r.nextInt(1000));
                      HttpResponse<String> put =
                          s.send(
                              "PUT",
                              "/api/1.0/hosts/contended",
                              body.toString(),
                              "If-Match",
                              read.headers().firstValue("etag").orElseThrow());
                      if (put.statusCode() == 202) {
                        break;
                      }
                      assertThat(put.statusCode())
                          .as("seed %d: %s", seed, put.body())
                          .isEqualTo(412);
                      conflicts.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      JsonNode finalHost = json(s.get("/api/1.0/hosts/contended"));
      for (int w = 0; w < WRITERS; w++) {
        for (int i = 0; i < UPDATES_EACH; i++) {
          assertThat(finalHost.has("w" + w + "-" + i))
              .as("seed %d: update w%d-%d lost", seed, w, i)
              .isTrue();
        }
      }
      assertThat(finalHost.size()).isEqualTo(1 + WRITERS * UPDATES_EACH);
    }
  }

  @Test
  void parallelInstalledMarksAreAtomic() throws Exception {
    try (TestServer s = TestServer.start().seeded()) {
      int hosts = 16;
      for (int h = 0; h < hosts; h++) {
        s.send("POST", "/api/1.0/hosts/m" + h, "{\"groups\": [\"default\"]}");
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<Integer>> codes = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        for (int h = 0; h < hosts; h++) {
          String path = "/api/1.0/hosts/m" + h + "?installed=mark";
          codes.add(pool.submit(() -> s.get(path).statusCode()));
        }
      }
      for (Future<Integer> c : codes) {
        assertThat(c.get(60, TimeUnit.SECONDS)).isEqualTo(200);
      }
      pool.shutdown();
      for (int h = 0; h < hosts; h++) {
        assertThat(json(s.get("/api/1.0/hosts/m" + h)).path("groups"))
            .extracting(JsonNode::asText)
            .containsExactly("default", "installed");
      }
    }
  }
}
