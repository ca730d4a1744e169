package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.bergenholm.api.event.BootEvent;
import io.bergenholm.api.event.EventQuery;
import io.bergenholm.api.store.StoreProvider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trimmed {@code boot_events} collection against mongo-java-server (no capped collections
 * there).
 */
class MongoEventSinkTest {
  private TestMongo mongo;
  private MongoClient client;

  @BeforeEach
  void start() {
    mongo = TestMongo.inMemory();
    client = MongoClients.create(mongo.uri("events"));
  }

  @AfterEach
  void stop() {
    client.close();
    mongo.close();
  }

  private MongoEventSink sink(int perSubject, int total) {
    MongoStoreSettings settings =
        MongoStoreSettings.from(Map.of(StoreProvider.LOCATION, mongo.uri("events")));
    return new MongoEventSink(
        client.getDatabase("events").getCollection(MongoEventSink.COLLECTION, BsonDocument.class),
        new MongoFailures(settings),
        perSubject,
        total);
  }

  private static BootEvent event(String subject, long n) {
    return new BootEvent(
        Instant.ofEpochSecond(1_800_000_000L, n * 1000),
        "k" + n,
        Optional.of(subject),
        Optional.of("52:54:00:00:00:01"),
        Optional.empty(),
        "ok",
        Map.of("n", Long.toString(n), "$odd.key", "v"));
  }

  @Test
  void roundTripsEveryFieldInOrder() {
    MongoEventSink sink = sink(10, 100);
    BootEvent e = event("h", 1);
    sink.append(List.of(e, event("h", 2)));
    List<BootEvent> got = sink.read(EventQuery.host("h", 10));
    assertThat(got).hasSize(2);
    assertThat(got.get(0)).isEqualTo(e);
    assertThat(sink.read(EventQuery.host("h", 10).since(e.time())))
        .extracting(BootEvent::kind)
        .containsExactly("k2");
  }

  @Test
  void trimsPerSubjectAndOverallAgainstAModel() {
    for (long seed = 1; seed <= 5; seed++) {
      client.getDatabase("events").getCollection(MongoEventSink.COLLECTION).drop();
      Random random = new Random(seed);
      int perSubject = 2 + random.nextInt(4);
      int total = 5 + random.nextInt(10);
      MongoEventSink sink = sink(perSubject, total);
      List<BootEvent> appended = new ArrayList<>();
      long n = 0;
      for (int batch = 0; batch < 15; batch++) {
        List<BootEvent> b = new ArrayList<>();
        for (int i = random.nextInt(4); i >= 0; i--) {
          b.add(event("h" + random.nextInt(4), n++));
        }
        appended.addAll(b);
        sink.append(b);
      }
      List<BootEvent> all = sink.read(EventQuery.all(1000));
      assertThat(all.size()).as("seed %d", seed).isLessThanOrEqualTo(total);
      for (int h = 0; h < 4; h++) {
        String s = "h" + h;
        List<BootEvent> mine = sink.read(EventQuery.host(s, 1000));
        assertThat(mine.size()).isLessThanOrEqualTo(perSubject);
        List<BootEvent> appendedMine =
            appended.stream().filter(e -> e.subject().equals(s)).toList();
        // What is kept of a subject is its newest events, in order, ending with its newest.
        assertThat(appendedMine.subList(appendedMine.size() - mine.size(), appendedMine.size()))
            .isEqualTo(mine);
      }
      // The newest event overall always survives.
      assertThat(all.get(all.size() - 1)).isEqualTo(appended.get(appended.size() - 1));
    }
  }
}
