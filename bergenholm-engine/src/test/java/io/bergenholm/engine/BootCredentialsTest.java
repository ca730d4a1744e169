package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.engine.BootCredentials.Binding;
import io.bergenholm.engine.BootCredentials.Verdict;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootCredentialsTest {
  @TempDir Path dir;

  private static final InetAddress MACHINE = address("10.1.2.3");
  private static final InetAddress SAME_SEGMENT = address("10.1.2.77");
  private static final InetAddress OTHER_SEGMENT = address("10.1.3.3");
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-11-28T08:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void theSecretFileIsCreatedPrivateAndSharedByEveryEngineThatNamesIt() throws Exception {
    Path file = dir.resolve("state/boot-secret");
    Map<String, String> config =
        Map.of("store", "memory:", BootCredentials.SECRET_FILE, file.toString());
    String issued;
    try (Bergenholm a = Bergenholm.builder().config(config).build()) {
      issued = a.bootCredentials().issue("h1", MACHINE);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      // A replica, or this server after a restart, accepts what this one issued.
      try (Bergenholm b = Bergenholm.builder().config(config).build()) {
        assertThat(b.bootCredentials().check("h1", issued, MACHINE)).isEqualTo(Verdict.VALID);
      }
    }
    try (Bergenholm other =
        Bergenholm.builder()
            .config(
                Map.of(
                    "store",
                    "memory:",
                    BootCredentials.SECRET_FILE,
                    dir.resolve("other").toString()))
            .build()) {
      assertThat(other.bootCredentials().check("h1", issued, MACHINE)).isEqualTo(Verdict.INVALID);
    }
  }

  @Test
  void aCredentialIsForOneHostAndCannotBeAlteredOrForged() {
    BootCredentials c = BootCredentials.withSecret(SECRET.getBytes(StandardCharsets.US_ASCII));
    String t = c.issue("h1", MACHINE);
    assertThat(t).matches("[0-9a-z]+\\.[0-9a-f]{8}\\.[A-Za-z0-9_-]{43}");
    assertThat(c.check("h1", t, MACHINE)).isEqualTo(Verdict.VALID);
    assertThat(c.check("h2", t, MACHINE)).isEqualTo(Verdict.INVALID);
    assertThat(c.check("h1", t.substring(1), MACHINE)).isEqualTo(Verdict.INVALID);
    assertThat(c.check("h1", null, MACHINE)).isEqualTo(Verdict.INVALID);
    assertThat(c.check("h1", "", MACHINE)).isEqualTo(Verdict.INVALID);
    String[] parts = t.split("\\.");
    // Moving the issue time forward, or rebinding to the attacker's own address, breaks the
    // signature.
    String later = Long.toString(Long.parseLong(parts[0], 36) + 3600, 36);
    assertThat(c.check("h1", later + "." + parts[1] + "." + parts[2], MACHINE))
        .isEqualTo(Verdict.INVALID);
    assertThat(c.check("h1", parts[0] + ".0a010300." + parts[2], OTHER_SEGMENT))
        .isEqualTo(Verdict.INVALID);
    assertThat(c.check("h1", parts[0] + ".any." + parts[2], OTHER_SEGMENT))
        .isEqualTo(Verdict.INVALID);
  }

  @Test
  void bySubnetByDefaultByAddressOrNotAtAllAsSet() {
    BootCredentials subnet = BootCredentials.withSecret(SECRET.getBytes(StandardCharsets.US_ASCII));
    assertThat(subnet.binding()).isEqualTo(Binding.SUBNET);
    String t = subnet.issue("h1", MACHINE);
    assertThat(subnet.check("h1", t, SAME_SEGMENT)).isEqualTo(Verdict.VALID);
    assertThat(subnet.check("h1", t, OTHER_SEGMENT)).isEqualTo(Verdict.OTHER_ADDRESS);
    assertThat(subnet.boundTo(t)).contains("10.1.2.0/24");
    // IPv4 seen as an IPv4-mapped IPv6 address (a dual-stack socket) is the same machine.
    assertThat(subnet.check("h1", t, address("::ffff:10.1.2.3"))).isEqualTo(Verdict.VALID);
    String v6 = subnet.issue("h1", address("2001:db8:1:2::10"));
    assertThat(subnet.check("h1", v6, address("2001:db8:1:2::99"))).isEqualTo(Verdict.VALID);
    assertThat(subnet.check("h1", v6, address("2001:db8:1:3::10")))
        .isEqualTo(Verdict.OTHER_ADDRESS);

    BootCredentials exact = subnet.with(Duration.ofHours(1), Binding.ADDRESS, Clock.systemUTC());
    String e = exact.issue("h1", MACHINE);
    assertThat(exact.check("h1", e, MACHINE)).isEqualTo(Verdict.VALID);
    assertThat(exact.check("h1", e, SAME_SEGMENT)).isEqualTo(Verdict.OTHER_ADDRESS);
    assertThat(exact.boundTo(e)).contains("10.1.2.3");

    BootCredentials any = subnet.with(Duration.ofHours(1), Binding.NONE, Clock.systemUTC());
    String n = any.issue("h1", MACHINE);
    assertThat(any.check("h1", n, OTHER_SEGMENT)).isEqualTo(Verdict.VALID);
    assertThat(any.boundTo(n)).contains("any address");
  }

  @Test
  void aCredentialExpiresAndIsSpentByMarkingTheHostInstalled() {
    HandClock clock = new HandClock();
    BootCredentials c =
        BootCredentials.withSecret(SECRET.getBytes(StandardCharsets.US_ASCII))
            .with(Duration.ofMinutes(90), Binding.SUBNET, clock);
    String t = c.issue("h1", MACHINE);
    clock.now = clock.now.plus(Duration.ofMinutes(89));
    assertThat(c.check("h1", t, MACHINE)).isEqualTo(Verdict.VALID);
    clock.now = clock.now.plus(Duration.ofMinutes(2));
    assertThat(c.check("h1", t, MACHINE)).isEqualTo(Verdict.EXPIRED);
    // Issued "in the future" (beyond a minute of clock skew between replicas) is no credential.
    String ahead = c.issue("h1", MACHINE, clock.now.plus(Duration.ofMinutes(5)));
    assertThat(c.check("h1", ahead, MACHINE)).isEqualTo(Verdict.EXPIRED);

    String fresh = c.issue("h1", MACHINE);
    String other = c.issue("h1", MACHINE, clock.now.minusSeconds(1));
    c.spend(fresh);
    assertThat(c.check("h1", fresh, MACHINE)).isEqualTo(Verdict.SPENT);
    assertThat(c.check("h1", other, MACHINE)).isEqualTo(Verdict.VALID);
  }

  /**
   * The host's installed mark, which every replica reads from the store, retires every credential
   * issued before it: a replica that never saw the mark still refuses them.
   */
  @Test
  void aCredentialIssuedBeforeTheHostsInstalledMarkIsSpentEverywhere() {
    HandClock clock = new HandClock();
    BootCredentials replica =
        BootCredentials.withSecret(SECRET.getBytes(StandardCharsets.US_ASCII))
            .with(Duration.ofMinutes(90), Binding.SUBNET, clock);
    Instant marked = clock.now;
    String before = replica.issue("h1", MACHINE, marked.minusSeconds(1));
    String sameSecond = replica.issue("h1", MACHINE, marked);
    String after = replica.issue("h1", MACHINE, marked.plusSeconds(1));
    clock.now = clock.now.plus(Duration.ofMinutes(1));

    assertThat(replica.check("h1", before, MACHINE, () -> Optional.of(marked)))
        .isEqualTo(Verdict.SPENT);
    // Whole seconds: the one issued in the mark's second is taken as issued after it.
    assertThat(replica.check("h1", sameSecond, MACHINE, () -> Optional.of(marked)))
        .isEqualTo(Verdict.VALID);
    assertThat(replica.check("h1", after, MACHINE, () -> Optional.of(marked)))
        .isEqualTo(Verdict.VALID);
    assertThat(replica.check("h1", before, MACHINE, Optional::empty)).isEqualTo(Verdict.VALID);
    // The mark does not make a bad credential any better, and it is not even asked for (a store
    // read) for one: an anonymous flood of forged or misplaced credentials costs no reads.
    java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.Supplier<Optional<Instant>> counted =
        () -> {
          asked.incrementAndGet();
          return Optional.of(marked);
        };
    assertThat(replica.check("h1", before, OTHER_SEGMENT, counted))
        .isEqualTo(Verdict.OTHER_ADDRESS);
    assertThat(replica.check("h2", before, MACHINE, counted)).isEqualTo(Verdict.INVALID);
    assertThat(
            replica.check("h1", before.substring(0, before.length() - 2) + "AA", MACHINE, counted))
        .isEqualTo(Verdict.INVALID);
    assertThat(asked).hasValue(0);
    assertThat(replica.check("h1", before, MACHINE, counted)).isEqualTo(Verdict.SPENT);
    assertThat(asked).hasValue(1);
  }

  /** The engine writes the mark's time into the host record and checks credentials against it. */
  @Test
  void markingAHostInstalledRecordsItsTimeAndRetiresEarlierCredentials() {
    Map<String, String> config =
        Map.of("store", "memory:", BootCredentials.SECRET, SECRET, BootCredentials.BINDING, "none");
    try (Bergenholm engine = Bergenholm.builder().config(config).build()) {
      engine.createHost("h1", Params.of(Map.of()));
      String early = engine.bootCredentials().issue("h1", MACHINE, Instant.now().minusSeconds(60));
      assertThat(engine.checkBootCredential("h1", early, MACHINE)).isEqualTo(Verdict.VALID);

      engine.markInstalled("h1", true);

      Params host = engine.host("h1").orElseThrow().value();
      assertThat(host.groups()).containsExactly("installed");
      Instant at = Instant.parse((String) host.get(Bergenholm.INSTALLED_AT).orElseThrow());
      assertThat(at).isBetween(Instant.now().minusSeconds(30), Instant.now());
      assertThat(engine.checkBootCredential("h1", early, MACHINE)).isEqualTo(Verdict.SPENT);
      String next = engine.bootCredentials().issue("h1", MACHINE, at.plusSeconds(1));
      assertThat(engine.checkBootCredential("h1", next, MACHINE)).isEqualTo(Verdict.VALID);

      // An unmark (a reinstall) keeps the time: what was retired stays retired.
      engine.markInstalled("h1", false);
      assertThat(engine.host("h1").orElseThrow().value().get(Bergenholm.INSTALLED_AT))
          .contains(at.toString());
      assertThat(engine.checkBootCredential("h1", early, MACHINE)).isEqualTo(Verdict.SPENT);

      // A value that is no instant is ignored, and said so, rather than failing the check.
      engine.replaceHost(
          "h1",
          engine.host("h1").orElseThrow().value().with(Bergenholm.INSTALLED_AT, "yesterday"),
          Optional.empty());
      assertThat(engine.checkBootCredential("h1", early, MACHINE)).isEqualTo(Verdict.VALID);
    }
  }

  @Test
  void theSpentListIsBounded() {
    HandClock clock = new HandClock();
    BootCredentials c =
        BootCredentials.withSecret(SECRET.getBytes(StandardCharsets.US_ASCII))
            .with(Duration.ofMinutes(10), Binding.SUBNET, clock);
    String first = c.issue("h0", MACHINE, clock.now.minus(Duration.ofMinutes(5)));
    c.spend(first);
    for (int i = 1; i <= BootCredentials.MAX_SPENT; i++) {
      c.spend(c.issue("h" + i, MACHINE, clock.now.minusSeconds(i % 200)));
    }
    // Full: the entry that expires first went, and the newest is remembered.
    assertThat(c.check("h0", first, MACHINE)).isEqualTo(Verdict.VALID);
    String last = c.issue("last", MACHINE);
    c.spend(last);
    assertThat(c.check("last", last, MACHINE)).isEqualTo(Verdict.SPENT);
    // Once the spent ones have expired anyway, the list empties itself.
    clock.now = clock.now.plus(Duration.ofMinutes(30));
    c.spend(c.issue("again", MACHINE));
    assertThat(c.spentCount()).isEqualTo(1);
  }

  @Test
  void templatesSeeAStandInThatTheServedTextReplaces() {
    try (Bergenholm e =
        Bergenholm.builder()
            .config(Map.of("store", "memory:", BootCredentials.SECRET, SECRET))
            .build()) {
      BootCredentials c = e.bootCredentials();
      // A host cannot choose its own credential: the computed value wins over a stored one.
      e.createHost(
          "h1",
          Params.of(
              Map.of(
                  "boot_token",
                  "chosen",
                  "groups",
                  List.of(),
                  "url",
                  "x?boot_token={{boot_token}}")));
      String standIn = c.placeholder();
      assertThat(e.resolveHost("h1").params().get("boot_token")).contains(standIn);
      assertThat(e.resolveHost("h1").params().get("url")).contains("x?boot_token=" + standIn);
      assertThat(c.check("h1", standIn, MACHINE)).isEqualTo(Verdict.INVALID);
      String served = c.issueInto("a " + standIn + " b " + standIn, "h1", MACHINE);
      String[] words = served.split(" ");
      assertThat(words[1]).isEqualTo(words[3]);
      assertThat(c.check("h1", words[1], MACHINE)).isEqualTo(Verdict.VALID);
      assertThat(c.withToken("k=" + standIn, "given")).isEqualTo("k=given");
      assertThat(e.store().hosts().get("h1").orElseThrow().value().get("boot_token"))
          .contains("chosen");
      assertThat(e.isSecretParameter("boot_token")).isTrue();
    }
  }

  @Test
  void lifetimeAndBindingSettingsAreCheckedWithTheirNames() {
    try (Bergenholm e =
        Bergenholm.builder()
            .config(
                Map.of(
                    "store",
                    "memory:",
                    BootCredentials.SECRET,
                    SECRET,
                    BootCredentials.LIFETIME,
                    "45",
                    BootCredentials.BINDING,
                    "address"))
            .build()) {
      assertThat(e.bootCredentials().lifetime()).isEqualTo(Duration.ofMinutes(45));
      assertThat(e.bootCredentials().binding()).isEqualTo(Binding.ADDRESS);
    }
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .config(Map.of("store", "memory:", BootCredentials.LIFETIME, "0"))
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(BootCredentials.LIFETIME)
        .hasMessageContaining("'0'");
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .config(Map.of("store", "memory:", BootCredentials.BINDING, "mac"))
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(BootCredentials.BINDING)
        .hasMessageContaining("'mac'");
  }

  @Test
  void badSecretsAreRefusedWithTheSetting() {
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .config(Map.of("store", "memory:", BootCredentials.SECRET, "short"))
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("boot.secret")
        .hasMessageContaining("32");
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .config(
                        Map.of(
                            "store",
                            "memory:",
                            BootCredentials.SECRET,
                            "0123456789abcdef0123456789abcdef",
                            BootCredentials.SECRET_FILE,
                            dir.resolve("x").toString()))
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("not both");
  }
}
