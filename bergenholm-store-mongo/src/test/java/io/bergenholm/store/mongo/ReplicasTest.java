package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.bergenholm.api.Params;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.netboot.http.Access;
import io.bergenholm.netboot.http.AccessTokens;
import io.bergenholm.netboot.http.HttpServer;
import io.bergenholm.netboot.http.HttpSettings;
import io.bergenholm.netboot.http.TransportLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Bergenholm servers (engine and HTTP server each) on one MongoDB database, as behind a load
 * balancer: the store chosen by {@code store=mongodb://…} in the engine config, as in production.
 */
class ReplicasTest {
  private static final int LAG_MS = 300;
  private static final int SELECTION_MS = 1000;

  @TempDir Path dir;

  private TestMongo mongo;
  private Server a;
  private Server b;

  /** One Bergenholm server: an engine and its HTTP server, with a JDK client. */
  private record Server(Bergenholm engine, HttpServer http, HttpClient client)
      implements AutoCloseable {
    static Server start(String uri) {
      return start(uri, AccessTokens.none());
    }

    /** With {@code tokens}: without any, the management API, templates included, is open. */
    static Server start(String uri, AccessTokens tokens) {
      Map<String, String> config = new LinkedHashMap<>();
      config.put("store", uri);
      config.put("store." + MongoStoreSettings.CHANGE_LAG, Integer.toString(LAG_MS));
      config.put(
          "store." + MongoStoreSettings.SERVER_SELECTION_TIMEOUT, Integer.toString(SELECTION_MS));
      config.put("store." + MongoStoreSettings.CONNECT_TIMEOUT, "500");
      config.put("store." + MongoStoreSettings.SOCKET_TIMEOUT, "2000");
      Bergenholm engine = Bergenholm.builder().config(config).build();
      HttpServer http =
          HttpServer.start(
              engine,
              HttpSettings.of(new InetSocketAddress("127.0.0.1", 0))
                  // Every simulated machine registers from 127.0.0.1: one address's allowance must
                  // cover them all.
                  .withTransport(TransportLimits.defaults().withRegistrations(6000, 1000, 1000))
                  .withTokens(tokens));
      return new Server(
          engine, http, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    HttpResponse<String> send(String method, String path, String body) {
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + http.bootAddress().getPort() + path))
              .timeout(Duration.ofSeconds(20))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body))
              .build();
      try {
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    HttpResponse<String> get(String path) {
      return send("GET", path, null);
    }

    @Override
    public void close() {
      http.close();
      engine.close();
    }
  }

  @BeforeEach
  void start() {
    mongo = TestMongo.h2(dir.resolve("replicas.mv"));
    a = Server.start(mongo.uri("replicas"));
    b = Server.start(mongo.uri("replicas"));
    Bergenholm e = a.engine();
    e.createGroup(
        "default",
        Params.of(
            Map.of(
                "base_url",
                "http://192.168.10.254",
                "ipxe_url",
                "{{base_url}}/ipxe",
                "ipxe_script",
                "localboot.ipxe")));
    e.createGroup(
        "register",
        Params.of(Map.of("groups", List.of("default"), "ipxe_script", "register.ipxe")));
    e.createGroup(
        "centos7",
        Params.of(
            Map.of(
                "groups",
                List.of("default"),
                "version",
                "7",
                "kernel",
                "http://mirror.example.org/centos-{{version}}/vmlinuz",
                "ipxe_script",
                "linux.ipxe")));
    e.createHost("register", Params.of(Map.of("groups", List.of("register"))));
    e.createTemplate("linux.ipxe", "#!ipxe\nkernel {{kernel}}\nboot\n");
    e.createTemplate("localboot.ipxe", "#!ipxe\nsanboot --drive 0x80\n");
    e.createTemplate(
        "register.ipxe", "#!ipxe\nimgfetch {{ipxe_url}}/register/${uuid}\nsanboot --drive 0x80\n");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    mongo.close();
  }

  @Test
  @Timeout(60)
  void whatOneServerWritesTheOtherServes() throws Exception {
    HttpResponse<String> created =
        a.send(
            "POST",
            "/api/1.0/hosts/samplehost",
            "{\"groups\": [\"centos7\"], \"hostname\": \"test-200\"}");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(b.get("/api/1.0/hosts/samplehost").body()).contains("test-200");
    HttpResponse<String> script = b.get("/ipxe/script/samplehost");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("kernel http://mirror.example.org/centos-7/vmlinuz");

    // B has the script cached now; a group change through A must reach it within the lag.
    assertThat(
            a.send(
                    "PUT",
                    "/api/1.0/groups/centos7",
                    "{\"groups\": [\"default\"], \"version\": \"8\","
                        + " \"kernel\": \"http://mirror.example.org/centos-{{version}}/vmlinuz\", \"ipxe_script\": \"linux.ipxe\"}")
                .statusCode())
        .isEqualTo(202);
    Thread.sleep(LAG_MS + 1);
    assertThat(b.get("/ipxe/script/samplehost").body()).contains("centos-8/vmlinuz");
    assertThat(b.get("/api/1.0/hosts/?groups=centos7").body()).contains("samplehost");

    assertThat(b.get("/api/1.0/hosts/samplehost?installed=mark").statusCode()).isBetween(200, 299);
    assertThat(a.engine().host("samplehost").orElseThrow().value().groups())
        .containsExactly("centos7", "installed");
    assertThat(a.send("DELETE", "/api/1.0/hosts/samplehost", null).statusCode()).isEqualTo(204);
    assertThat(b.get("/api/1.0/hosts/samplehost").statusCode()).isEqualTo(404);
  }

  /** Boot steps served by either replica land in one timeline that both replicas read alike. */
  @Test
  @Timeout(60)
  void bothReplicasShowOneTimeline() throws Exception {
    String uuid = "0c6d9e5a-4b7e-4c2b-9d2e-5b0f2a3c4d5e";
    assertThat(a.get("/ipxe/script/" + uuid).body()).contains("register");
    assertThat(b.get("/ipxe/register/" + uuid + "?manufacturer=QEMU").statusCode()).isEqualTo(201);
    Thread.sleep(LAG_MS + 1);
    assertThat(a.get("/ipxe/script/" + uuid).statusCode()).isEqualTo(200);
    assertThat(b.get("/api/1.0/hosts/" + uuid + "?installed=mark").statusCode()).isEqualTo(200);
    assertThat(a.engine().events().flush(10_000)).isTrue();
    assertThat(b.engine().events().flush(10_000)).isTrue();
    String fromA = a.get("/api/1.0/hosts/" + uuid + "/events").body();
    String fromB = b.get("/api/1.0/hosts/" + uuid + "/events").body();
    assertThat(fromA).isEqualTo(fromB);
    List<String> kinds = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"kind\":\"([a-z.]+)\"").matcher(fromA);
    while (m.find()) {
      kinds.add(m.group(1));
    }
    assertThat(kinds)
        .containsExactly("script.served", "host.registered", "script.served", "host.installed");
    assertThat(fromA)
        .contains("\"purpose\":\"register\"", "\"purpose\":\"local\"", "\"manufacturer\":\"QEMU\"");
  }

  /** Machines booting at once, their requests spread over both servers: each is created once. */
  @Test
  @Timeout(60)
  void concurrentRegistrationsThroughBothServersCreateEachHostOnce() throws Exception {
    int machines = 20;
    int perMachine = 4;
    Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> odd = new ConcurrentLinkedQueue<>();
    SharedDatabaseTest.runTogether(
        8,
        t -> {
          Server s = t % 2 == 0 ? a : b;
          for (int m = 0; m < machines; m++) {
            if ((m + t) % 8 >= perMachine) {
              continue;
            }
            String id = "00000000-0000-0000-0000-0000000000" + String.format("%02d", m);
            HttpResponse<String> r =
                s.get("/ipxe/register/" + id + "?manufacturer=QEMU&serial=S" + m);
            if (r.statusCode() == 201) {
              created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            } else if (r.statusCode() != 400) {
              odd.add(id + ": " + r.statusCode() + " " + r.body());
            }
          }
          return null;
        });
    assertThat(odd).isEmpty();
    assertThat(created).hasSize(machines);
    assertThat(created.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(b.engine().listHosts(Map.of("manufacturer", "QEMU"))).hasSize(machines);
  }

  /**
   * One server marks and unmarks a host installed while the other makes conditional updates to the
   * same host: no update of either is lost.
   */
  /**
   * A machine's installer marks it installed through one server; its credential, replayed to the
   * other (read from a log or a proxy), must not read the host's kickstart or mark it there. The
   * mark's time in the shared host record is what tells the other server.
   */
  @Test
  @Timeout(60)
  void aCredentialSpentThroughOneServerIsRefusedByTheOther() throws Exception {
    a.engine().createGroup("installed", Params.of(Map.of("ipxe_script", "localboot.ipxe")));
    a.engine().createHost("h", Params.of(Map.of("groups", List.of("centos7"))));
    a.engine().createTemplate("ks", "install {{uuid}}\n");
    // Issued when the machine booted, a while before its installer finished.
    String token =
        a.engine()
            .bootCredentials()
            .issue("h", InetAddress.getLoopbackAddress(), Instant.now().minusSeconds(600));
    String ks = "/api/1.0/templates/ks/h?boot_token=" + token;
    AccessTokens tokens = AccessTokens.of(Map.of("operator-token-0123456789", Access.READ_WRITE));
    try (Server guardedA = Server.start(mongo.uri("replicas"), tokens);
        Server guardedB = Server.start(mongo.uri("replicas"), tokens)) {
      assertThat(guardedB.get("/api/1.0/templates/ks/h").statusCode())
          .as("without a credential or a token")
          .isEqualTo(403);
      assertThat(guardedB.get(ks).statusCode()).isEqualTo(200);

      assertThat(guardedA.get("/api/1.0/hosts/h?installed=mark&boot_token=" + token).statusCode())
          .isEqualTo(200);

      HttpResponse<String> replayed = guardedB.get(ks);
      for (int i = 0; i < 50 && replayed.statusCode() == 200; i++) {
        Thread.sleep(100); // the other server's view of the store may lag by LAG_MS
        replayed = guardedB.get(ks);
      }
      assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(403);
      assertThat(replayed.body())
          .contains("was issued before the host was marked installed, which retired it");
      HttpResponse<String> mark =
          guardedB.get("/api/1.0/hosts/h?installed=mark&boot_token=" + token);
      assertThat(mark.statusCode()).as(mark.body()).isEqualTo(403);
      assertThat(b.engine().host("h").orElseThrow().value().get(Bergenholm.INSTALLED_AT))
          .isPresent();
    }
  }

  @Test
  @Timeout(60)
  void installMarksAndEditsThroughBothServersLoseNothing() throws Exception {
    a.engine().createHost("h", Params.of(Map.of("groups", List.of("centos7"), "n", 0L)));
    int rounds = 20;
    SharedDatabaseTest.runTogether(
        4,
        t -> {
          if (t < 2) {
            for (int i = 0; i < rounds; i++) {
              a.engine().markInstalled("h", i % 2 == 0);
            }
            a.engine().markInstalled("h", true);
          } else {
            for (int i = 0; i < rounds; i++) {
              while (true) {
                Versioned<Params> h = b.engine().host("h").orElseThrow();
                try {
                  b.engine()
                      .replaceHost(
                          "h",
                          h.value().with("n", (Long) h.value().get("n").orElseThrow() + 1),
                          Optional.of(h.version()));
                  break;
                } catch (StaleVersionException retry) {
                  Thread.onSpinWait();
                }
              }
            }
          }
          return null;
        });
    Params end = b.engine().host("h").orElseThrow().value();
    assertThat(end.get("n")).contains(2L * rounds);
    assertThat(end.groups()).containsExactly("centos7", "installed");
  }

  /**
   * Both servers under a steady load of script requests while the database stops and starts: while
   * it is down they answer 503 with the reason, each within the timeout; afterwards they serve
   * again without a restart.
   */
  @Test
  @Timeout(90)
  void databaseStoppedAndStartedUnderLoad() throws Exception {
    a.engine().createHost("h", Params.of(Map.of("groups", List.of("centos7"))));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> unavailableMillis = new ConcurrentLinkedQueue<>();
    AtomicInteger okAfterRestart = new AtomicInteger();
    AtomicBoolean restarted = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Server s = t % 2 == 0 ? a : b;
      Thread c =
          new Thread(
              () -> {
                for (int i = 0; !stop.get() && i < 100_000; i++) {
                  long started = System.nanoTime();
                  HttpResponse<String> r = s.get("/ipxe/script/h");
                  long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                  if (r.statusCode() == 200 && r.body().contains("centos-7/vmlinuz")) {
                    if (restarted.get()) {
                      okAfterRestart.incrementAndGet();
                    }
                  } else if (r.statusCode() == 503 && r.body().contains("MongoDB")) {
                    unavailableMillis.add(ms);
                  } else {
                    unexpected.add(r.statusCode() + " " + r.body());
                  }
                }
              });
      clients.add(c);
      c.start();
    }
    Thread.sleep(500);
    mongo.stop();
    Thread.sleep(2500);
    int unavailableWhileDown = unavailableMillis.size();
    mongo.start();
    restarted.set(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (okAfterRestart.get() < 40 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    stop.set(true);
    for (Thread c : clients) {
      c.join(10_000);
    }
    assertThat(unexpected).isEmpty();
    assertThat(unavailableWhileDown).isPositive();
    assertThat(unavailableMillis).allSatisfy(ms -> assertThat(ms).isLessThan(SELECTION_MS + 1500L));
    assertThat(okAfterRestart.get()).isGreaterThanOrEqualTo(40);
  }
}
