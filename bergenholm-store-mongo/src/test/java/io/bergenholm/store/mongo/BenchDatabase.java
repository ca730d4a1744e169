package io.bergenholm.store.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.Versioned;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import io.bergenholm.store.file.FileStoreProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark fixture: the same records in a directory store and in a MongoDB database served by
 * mongo-java-server, which stays up until the process is stopped. Used by {@code
 * bench/mongo/run.sh}; see docs/benchmarks.md.
 *
 * <p>Arguments: BASE (a directory store whose groups and templates are copied), OUT (a new folder:
 * {@code store/} the directory store, {@code hosts.txt} the generated host ids, {@code mongo.uri}
 * written once the database is loaded), PORT, OS_GROUPS (comma-separated; each a {@code +}-joined
 * list of groups of BASE that one rack group inherits, such as {@code rocky9+amd64}), HOSTS,
 * GROUPS, SEED.
 */
final class BenchDatabase {
  private static final Logger log = LoggerFactory.getLogger(BenchDatabase.class);

  private BenchDatabase() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 7) {
      throw new IllegalArgumentException("usage: BASE OUT PORT OS_GROUPS HOSTS GROUPS SEED");
    }
    Path base = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int port = Integer.parseInt(args[2]);
    List<String> osGroups = List.of(args[3].split(","));
    int hosts = Integer.parseInt(args[4]);
    int groups = Integer.parseInt(args[5]);
    Random random = new Random(Long.parseLong(args[6]));

    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind("127.0.0.1", port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    String uri = "mongodb://127.0.0.1:" + port + "/bench";

    Files.createDirectories(out.resolve("store"));
    try (ParameterStore source =
            TestProviderContext.instantiate(
                new FileStoreProvider(),
                Map.of(
                    StoreProvider.LOCATION, "file:" + base, FileStoreProvider.READ_ONLY, "true"));
        ParameterStore files =
            TestProviderContext.instantiate(
                new FileStoreProvider(),
                Map.of(StoreProvider.LOCATION, "file:" + out.resolve("store")));
        ParameterStore mongo =
            TestProviderContext.instantiate(
                new MongoStoreProvider(), Map.of(StoreProvider.LOCATION, uri))) {
      List<ParameterStore> targets = List.of(files, mongo);
      for (String name : source.groups().list()) {
        Params p = source.groups().get(name).map(Versioned::value).orElseThrow();
        targets.forEach(t -> t.groups().create(name, p));
      }
      for (String name : source.templates().list()) {
        String text = source.templates().get(name).map(Versioned::value).orElseThrow();
        targets.forEach(t -> t.templates().create(name, text));
      }
      for (String name : source.hosts().list()) {
        Params p = source.hosts().get(name).map(Versioned::value).orElseThrow();
        targets.forEach(t -> t.hosts().create(name, p));
      }
      for (int g = 0; g < groups; g++) {
        Params rack =
            Params.of(
                Map.of(
                    "groups",
                    List.of(osGroups.get(g % osGroups.size()).split("\\+")),
                    "rack",
                    "rack-" + g,
                    "gateway",
                    "10." + (g / 250) + "." + (g % 250) + ".1",
                    "ntp_server",
                    "{{gateway}}"));
        String name = String.format("rack-%04d", g);
        targets.forEach(t -> t.groups().create(name, rack));
      }
      List<String> ids = new ArrayList<>(hosts);
      for (int h = 0; h < hosts; h++) {
        String id = new UUID(random.nextLong(), random.nextLong()).toString();
        int rack = random.nextInt(groups);
        Params host =
            Params.of(
                Map.of(
                    "groups", List.of(String.format("rack-%04d", rack)),
                    "hostname", String.format("node-%05d", h),
                    "ipaddr", "10." + (rack / 250) + "." + (rack % 250) + "." + (10 + h % 200)));
        targets.forEach(t -> t.hosts().create(id, host));
        ids.add(id);
      }
      Files.write(out.resolve("hosts.txt"), ids, StandardCharsets.UTF_8);
      log.info(
          "loaded {} hosts and {} groups into {} and {}", hosts, groups, out.resolve("store"), uri);
    }
    Files.writeString(out.resolve("mongo.uri"), uri + "\n", StandardCharsets.UTF_8);
    new CountDownLatch(1).await();
  }
}
