package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.Params;
import io.bergenholm.api.render.RenderException;
import io.bergenholm.store.file.FileParameterStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade over a directory store holding a copy of the Python project's sample data. */
class BergenholmFacadeTest {
  @TempDir Path tmp;

  private FileParameterStore store;
  private Bergenholm engine;

  @BeforeEach
  void setUp() {
    store = FileParameterStore.open(Fixture.copyTo(tmp.resolve("data")));
    engine = Bergenholm.builder().store(store).build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
    store.close();
  }

  @Test
  void theFixtureOpensAsItIsThroughTheFileStoreProvider() {
    try (Bergenholm fromConfig =
        Bergenholm.builder()
            .config(Map.of("store", "file:" + Fixture.dir(), "store.readonly", "true"))
            .build()) {
      assertThat(fromConfig.listGroups()).hasSize(18);
      assertThat(fromConfig.listHosts(Map.of()))
          .containsExactly("default", "register", "samplehost");
      assertThat(fromConfig.listTemplates())
          .containsExactly("linux.ipxe", "localboot.ipxe", "register.ipxe");
      assertThat(fromConfig.resolveHost("samplehost").params().get("kernel"))
          .contains("http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz");
    }
  }

  @Test
  void handEditsBehindTheEnginesBackShowWithinTheStoresLag()
      throws IOException, InterruptedException {
    assertThat(engine.ipxeScript("samplehost")).contains("http://192.168.10.254/ipxe/kernel");
    Path file = store.root().resolve("groups/default");
    Files.writeString(
        file, Files.readString(file).replace("http://192.168.10.254\"", "http://10.9.8.7\""));
    long deadline = System.nanoTime() + 10_000_000_000L;
    String script = engine.ipxeScript("samplehost");
    while (!script.contains("http://10.9.8.7/ipxe/kernel") && System.nanoTime() < deadline) {
      Thread.sleep(50);
      script = engine.ipxeScript("samplehost");
    }
    assertThat(script).contains("http://10.9.8.7/ipxe/kernel");
  }

  @Test
  void samplehostResolvesAsThePythonProjectDid() {
    Resolution r = engine.resolveHost("samplehost");
    assertThat(r.known()).isTrue();
    Params p = r.params();
    assertThat(p.get("kernel"))
        .contains("http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz");
    assertThat(p.get("module"))
        .contains("http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/initrd.img");
    assertThat(p.get("kernel_opts"))
        .contains("ks=http://192.168.10.254/api/1.0/templates/centos6.kickstart/${uuid}");
    assertThat(p.get("groups")).contains(List.of("centos6", "centos", "default", "centos.amd64"));
    assertThat(p.get("uuid")).contains("samplehost");
    assertThat(p.get("installed_url"))
        .contains("http://192.168.10.254/api/1.0/hosts/samplehost?installed=mark");
    assertThat(p.get("ipxe_script")).contains("linux.ipxe");
    assertThat(p.get("hostname")).contains("test-200");
  }

  @Test
  void samplehostScript() {
    assertThat(engine.ipxeScript("samplehost"))
        .isEqualTo(
            """
        #!ipxe
        module --name module0 http://192.168.10.254/ipxe/module/${uuid}
        kernel http://192.168.10.254/ipxe/kernel/${uuid} ks=http://192.168.10.254/api/1.0/templates/centos6.kickstart/${uuid}
        boot
        """);
  }

  @Test
  void groupsAreNotExpanded() {
    Params register = engine.resolveGroup("register");
    assertThat(register.get("ipxe_url")).contains("{{base_url}}/ipxe");
    assertThat(register.get("ipxe_script")).contains("register.ipxe");
    assertThat(register.get("groups")).contains(List.of("default"));
    assertThatThrownBy(() -> engine.resolveGroup("nope")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void unknownUuidGetsTheRegisterScript() {
    String uuid = "4c4c4544-0042-3510-8052-b4c04f4e4a31";
    Resolution r = engine.resolveHost(uuid);
    assertThat(r.known()).isFalse();
    assertThat(r.params().get("uuid")).contains(uuid);
    assertThat(r.params().get("groups")).contains(List.of("register", "default"));
    assertThat(engine.ipxeScript(uuid))
        .isEqualTo(
            """
        #!ipxe

        dhcp
        echo ===== System UUID is ${uuid} =====
        echo ===== Registering this host to Bergenholm =====
        imgfetch http://192.168.10.254/ipxe/register/${uuid}?manufacturer=${manufacturer}&product=${product}&serial=${serial}&asset=${asset}&hostname=${hostname}
        imgfree
        sleep 10
        echo ===== Trying boot from local disk =====
        sanboot --no-describe --drive 0x80""");
  }

  @Test
  void registerCreatesHostInDefaultAndThenBootsLocally() {
    String uuid = "0e5d9d1c-1111-2222-3333-444455556666";
    engine.register(
        uuid,
        Map.of(
            "manufacturer",
            "QEMU",
            "product",
            "Standard PC",
            "serial",
            "",
            "asset",
            " ",
            "hostname",
            "it1",
            "other",
            "ignored"));
    Params stored = engine.host(uuid).orElseThrow().value();
    assertThat(stored.asMap())
        .containsExactly(
            Map.entry("groups", List.of("default")),
            Map.entry("manufacturer", "QEMU"),
            Map.entry("product", "Standard PC"),
            Map.entry("hostname", "it1"),
            Map.entry(Facts.REGISTERED_BY, Facts.SELF_REGISTRATION));
    assertThat(engine.ipxeScript(uuid))
        .contains("sanboot --no-describe --drive 0x80")
        .doesNotContain("register");
    assertThatThrownBy(() -> engine.register(uuid, Map.of()))
        .isInstanceOf(AlreadyExistsException.class);
  }

  @Test
  void markInstalledAddsAndRemovesOnce() {
    engine.markInstalled("samplehost", true);
    engine.markInstalled("samplehost", true);
    assertThat(engine.host("samplehost").orElseThrow().value().groups())
        .containsExactly("centos6", "centos.amd64", "installed");
    assertThat(engine.ipxeScript("samplehost")).contains("sanboot");
    engine.markInstalled("samplehost", false);
    assertThat(engine.host("samplehost").orElseThrow().value().groups())
        .containsExactly("centos6", "centos.amd64");
    assertThat(engine.ipxeScript("samplehost"))
        .contains("kernel http://192.168.10.254/ipxe/kernel/${uuid}");
    assertThatThrownBy(() -> engine.markInstalled("nobody", true))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void imageTargets() {
    ImageTarget kernel = engine.imageTarget("samplehost", "kernel", OptionalInt.empty());
    assertThat(kernel.parameter()).isEqualTo("kernel");
    assertThat(kernel.url())
        .isEqualTo(
            URI.create("http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz"));
    assertThat(kernel.proxy()).contains(URI.create("http://proxy.example.com:8080"));
    assertThat(kernel.sha256()).isEmpty();
    assertThat(engine.imageTarget("samplehost", "initrd", OptionalInt.of(0)).parameter())
        .isEqualTo("module");
    assertThatThrownBy(() -> engine.imageTarget("samplehost", "module", OptionalInt.of(1)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("module1");
    assertThatThrownBy(() -> engine.imageTarget("samplehost", "floppy", OptionalInt.empty()))
        .isInstanceOf(BadInputException.class);

    String digest = "ab".repeat(32);
    engine.replaceHost(
        "samplehost",
        engine
            .host("samplehost")
            .orElseThrow()
            .value()
            .with("module0", "{{image_base_url}}/initrd0.img")
            .with("module2", "http://x/m2")
            .with("module2_sha256", digest.toUpperCase()),
        Optional.empty());
    ImageTarget m0 = engine.imageTarget("samplehost", "module", OptionalInt.empty());
    assertThat(m0.parameter()).isEqualTo("module0");
    assertThat(m0.url().toString()).endsWith("/pxeboot/initrd0.img");
    ImageTarget m2 = engine.imageTarget("samplehost", "module", OptionalInt.of(2));
    assertThat(m2.sha256()).contains(digest);
  }

  @Test
  void missingIpxeScriptOrTemplateNamesTheHost() {
    engine.createHost("bare", Params.of(Map.of("x", "1")));
    assertThatThrownBy(() -> engine.ipxeScript("bare"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("'bare'")
        .hasMessageContaining("ipxe_script");
    engine.createHost("lost", Params.of(Map.of("ipxe_script", "gone.ipxe")));
    assertThatThrownBy(() -> engine.ipxeScript("lost"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("'lost'")
        .hasMessageContaining("gone.ipxe");
  }

  @Test
  void missingGroupIsNamedWithItsReferrer() {
    engine.createGroup("mid", Params.of(Map.of("groups", List.of("default", "ghost"))));
    engine.createHost("h", Params.of(Map.of("groups", List.of("mid"))));
    assertThatThrownBy(() -> engine.resolveHost("h"))
        .isInstanceOf(BadInputException.class)
        .hasMessage("group 'mid' lists group 'ghost', which does not exist");
  }

  @Test
  void referenceCycleIsNamed() {
    engine.createHost("c", Params.of(Map.of("a", "{{b}}", "b", "{{a}}", "ok", "fine")));
    assertThatThrownBy(() -> engine.resolveHost("c"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("cycle")
        .hasMessageContaining("'a'")
        .hasMessageContaining("'b'")
        .hasMessageNotContaining("'ok'");
    // Each pass renders a's value against itself, so it doubles.
    engine.createHost("g", Params.of(Map.of("a", "x{{a}}")));
    assertThatThrownBy(() -> engine.resolveHost("g"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("parameter 'a' of host 'g' grew past");
    engine.createHost("n", Params.of(Map.of("a", "{{b}}", "b", "{{ c }}", "c", "{{a}}x")));
    assertThatThrownBy(() -> engine.resolveHost("n"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("grew past");
    try (Bergenholm fewPasses =
        Bergenholm.builder().store(store).setting("expansion.max_passes", "3").build()) {
      store
          .hosts()
          .create(
              "deep",
              Params.of(
                  Map.of("a", "{{b}}", "b", "{{c}}", "c", "{{d}}", "d", "{{e}}", "e", "end")));
      assertThatThrownBy(() -> fewPasses.resolveHost("deep"))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("still change after 3 expansion passes");
      assertThat(engine.resolveHost("deep").params().get("a")).contains("end");
    }
    engine.createHost("d", Params.of(Map.of("a", "{{a}}{{a}}{{a}}{{a}}-")));
    assertThatThrownBy(() -> engine.resolveHost("d"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'a'");
  }

  @Test
  void explainNamesTheSourceOfEachKey() {
    Map<String, Provenance> e = engine.explainHost("samplehost");
    assertThat(e.get("kernel"))
        .isEqualTo(
            new Provenance(
                "group:centos",
                "{{image_base_url}}/vmlinuz",
                "http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz"));
    assertThat(e.get("arch").source()).isEqualTo("group:centos.amd64");
    assertThat(e.get("hostname").source()).isEqualTo("host:samplehost");
    assertThat(e.get("uuid").source()).isEqualTo("computed");
    assertThat(engine.explainHost("unknown-id").get("ipxe_script").source())
        .isEqualTo("group:register");
  }

  @Test
  void templateErrorNamesTemplateAndLine() {
    engine.createTemplate("broken.ks", "line1\nline2 {{ oops(\n");
    assertThatThrownBy(() -> engine.renderTemplate("broken.ks", "samplehost"))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template 'broken.ks' line 2");
  }

  @Test
  void includesReachStoredTemplates() {
    engine.createTemplate("part", "kernel={{ kernel }}");
    engine.createTemplate("main.ks", "# ks\n{% include 'part' %}");
    assertThat(engine.renderTemplate("main.ks", "samplehost"))
        .endsWith("kernel=http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz");
  }

  @Test
  void cacheFollowsWritesThroughTheEngineAndBehindItsBack() {
    String before = engine.ipxeScript("samplehost");
    assertThat(engine.ipxeScript("samplehost")).isSameAs(before);
    store
        .groups()
        .replace(
            "default",
            store.groups().get("default").orElseThrow().value().with("base_url", "http://10.0.0.1"),
            Optional.empty());
    assertThat(engine.ipxeScript("samplehost")).contains("http://10.0.0.1/ipxe/kernel");
    engine.replaceTemplate("linux.ipxe", "#!ipxe\nchanged {{ arch }}", Optional.empty());
    assertThat(engine.ipxeScript("samplehost")).isEqualTo("#!ipxe\nchanged x86_64");
  }

  @Test
  void secretParameters() {
    assertThat(engine.isSecretParameter("ipmi_password")).isTrue();
    assertThat(engine.isSecretParameter("kernel")).isFalse();
  }

  @Test
  void powerWithoutDriverIsBadInput() {
    assertThatThrownBy(() -> engine.powerStatus("samplehost"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("power_driver");
  }

  @Test
  void unknownProvidersAreListed() {
    assertThatThrownBy(() -> Bergenholm.builder().setting("store", "nosuch:/x").build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("unknown store 'nosuch'")
        .hasMessageContaining("memory");
    assertThatThrownBy(
            () ->
                Bergenholm.builder()
                    .setting("store", "memory:")
                    .setting("renderer", "velocity")
                    .build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("available: jinjava");
    try (Bergenholm mem = Bergenholm.builder().setting("store", "memory:").build()) {
      assertThat(mem.listHosts(Map.of())).isEmpty();
    }
  }
}
