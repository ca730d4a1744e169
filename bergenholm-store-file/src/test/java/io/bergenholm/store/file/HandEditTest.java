package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.bergenholm.api.AlreadyExistsException;
import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.StaleVersionException;
import io.bergenholm.api.Versioned;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a person editing the folder by hand while the store runs sees the store do. */
final class HandEditTest {
  @TempDir Path root;

  FileParameterStore store;

  @BeforeEach
  void open() throws IOException {
    Files.createDirectories(root.resolve("hosts"));
    Files.createDirectories(root.resolve("groups"));
    store = FileParameterStore.open(root);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Path hosts(String file) {
    return root.resolve("hosts").resolve(file);
  }

  @Test
  @Timeout(30)
  void aFileWrittenByHandIsReadAtOnceAndShowsInTheChangeStampWithinTheLag() throws Exception {
    long before = store.changeStamp();
    Files.writeString(hosts("web1"), "{\"groups\": [\"centos6\"], \"ipaddr\": \"10.0.0.1\"}\n");
    assertThat(store.hosts().get("web1").orElseThrow().value().string("ipaddr"))
        .contains("10.0.0.1");
    assertThat(store.hosts().list()).containsExactly("web1");
    awaitChange(before, store::changeStamp);
  }

  @Test
  @Timeout(30)
  void anEditInPlaceIsSeenChangesTheVersionAndMakesOldVersionsStale() throws Exception {
    Versioned<Params> v1 = store.hosts().create("web1", Params.of(Map.of("ipaddr", "10.0.0.1")));
    // Let the watcher see the store's own write before measuring the hand edit.
    Thread.sleep(50);
    long before = store.changeStamp();
    try (var ch =
        Files.newByteChannel(
            hosts("web1"), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(
          java.nio.ByteBuffer.wrap("{\"ipaddr\": \"10.0.0.2\"}".getBytes(StandardCharsets.UTF_8)));
    }
    Versioned<Params> v2 = store.hosts().get("web1").orElseThrow();
    assertThat(v2.value().string("ipaddr")).contains("10.0.0.2");
    assertThat(v2.version()).isNotEqualTo(v1.version());
    assertThatThrownBy(() -> store.hosts().replace("web1", Params.EMPTY, Optional.of(v1.version())))
        .isInstanceOf(StaleVersionException.class);
    assertThat(store.hosts().get("web1")).contains(v2);
    awaitChange(before, store::changeStamp);
  }

  @Test
  @Timeout(30)
  void aFileDeletedByHandIsGoneAndShowsInTheChangeStamp() throws Exception {
    store.hosts().create("web1", Params.EMPTY);
    Thread.sleep(50);
    long before = store.changeStamp();
    Files.delete(hosts("web1"));
    assertThat(store.hosts().get("web1")).isEmpty();
    awaitChange(before, store::changeStamp);
  }

  @Test
  @Timeout(30)
  void aRecordFolderMadeByHandAfterOpeningIsWatched() throws Exception {
    Files.delete(root.resolve("groups"));
    store.close();
    store = FileParameterStore.open(root);
    long before = store.changeStamp();
    Files.createDirectories(root.resolve("templates"));
    awaitChange(before, store::changeStamp);
    Thread.sleep(50); // the watcher registers the new folder after it sees it
    long afterFolder = store.changeStamp();
    Files.writeString(root.resolve("templates/boot.ipxe"), "#!ipxe\n");
    awaitChange(afterFolder, store::changeStamp);
    assertThat(store.templates().get("boot.ipxe").orElseThrow().value()).isEqualTo("#!ipxe\n");
  }

  /**
   * Waits for the stamp to move, failing if that takes longer than the declared lag plus slack for
   * a busy machine.
   */
  private void awaitChange(long before, LongSupplier stamp) throws InterruptedException {
    long deadline =
        System.nanoTime() + store.changeDetectionLag().toNanos() + TimeUnit.SECONDS.toNanos(2);
    while (stamp.getAsLong() == before) {
      if (System.nanoTime() > deadline) {
        fail("the change stamp did not move within " + store.changeDetectionLag() + " (+2 s)");
      }
      Thread.sleep(2);
    }
  }

  @Test
  void writtenJsonIsIndentedKeepsKeyOrderAndEndsWithANewline() throws IOException {
    store
        .groups()
        .create(
            "centos6",
            Params.of(new java.util.LinkedHashMap<>(Map.of("version", "6")))
                .with("groups", List.of("centos"))
                .with("empty", List.of())
                .with("n", 1.5));
    assertThat(Files.readString(root.resolve("groups/centos6")))
        .isEqualTo(
            """
        {
          "version": "6",
          "groups": [
            "centos"
          ],
          "empty": [],
          "n": 1.5
        }
        """);
  }

  @Test
  void numbersTypedByHandKeepEveryDigit() throws IOException {
    Files.writeString(
        hosts("n"),
        "{\"int\": 7, \"big\": 123456789012345678901234567890, \"double\": 0.1,"
            + " \"exp\": 1e3, \"pi\": 3.14159265358979323846264338, \"huge\": 1e400, \"neg\": -0.0}");
    Params p = store.hosts().get("n").orElseThrow().value();
    assertThat(p.get("int")).contains(7L);
    assertThat(p.get("big")).contains(new BigInteger("123456789012345678901234567890"));
    assertThat(p.get("double")).contains(0.1);
    assertThat(p.get("exp")).contains(1000.0);
    assertThat(p.get("pi")).contains(new BigDecimal("3.14159265358979323846264338"));
    assertThat(p.get("huge")).contains(new BigDecimal("1e400"));
    assertThat(p.get("neg")).contains(-0.0);
    // And they are written back as they were read.
    store.hosts().replace("n", p, Optional.empty());
    assertThat(store.hosts().get("n").orElseThrow().value()).isEqualTo(p);
  }

  @Test
  void aWriteReturnsTheValueAsItWillBeReadBack() {
    // JSON does not record the Java type: a decimal that is exactly a double reads back as one.
    Params written =
        Params.of(
            Map.of(
                "half",
                new BigDecimal("0.5"),
                "two",
                new BigDecimal("2"),
                "third",
                new BigDecimal("0.333333333333333333333333")));
    Versioned<Params> created = store.hosts().create("d", written);
    assertThat(store.hosts().get("d")).contains(created);
    assertThat(created.value().get("half")).contains(0.5);
    assertThat(created.value().get("two")).contains(2L);
    assertThat(created.value().get("third")).contains(new BigDecimal("0.333333333333333333333333"));
    Versioned<Params> replaced =
        store.hosts().replace("d", written.with("x", new BigDecimal("1e400")), Optional.empty());
    assertThat(store.hosts().get("d")).contains(replaced);
  }

  @Test
  void aDoubleThatJsonCannotHoldIsRefused() {
    assertThatThrownBy(
            () -> store.hosts().create("nan", Params.of(Map.of("x", Map.of("y", Double.NaN)))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'x.y'")
        .hasMessageContaining("NaN");
    assertThat(store.hosts().list()).isEmpty();
  }

  @Test
  void aMalformedFileIsAnErrorNamingFileAndLineAndBreaksNothingElse() throws IOException {
    store.hosts().create("good", Params.of(Map.of("os", "linux")));
    Files.writeString(hosts("bad"), "{\n  \"os\": \"linux\",\n  \"groups\": [\"a\",]\n}\n");
    assertThatThrownBy(() -> store.hosts().get("bad"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host 'bad' (hosts/bad) line 3, column");
    assertThat(store.hosts().list()).containsExactly("bad", "good");
    assertThat(store.hosts().get("good")).isPresent();
    assertThat(store.queryHosts(Map.of("os", "linux"))).containsExactly("good");
    // The API can repair it: an unconditional replace overwrites the broken file.
    store.hosts().replace("bad", Params.of(Map.of("os", "linux")), Optional.empty());
    assertThat(store.queryHosts(Map.of("os", "linux"))).containsExactly("bad", "good");
  }

  @Test
  void whatIsNotOneJsonObjectIsAnError() throws IOException {
    Map<String, String> cases =
        Map.of(
            "array", "[1, 2]",
            "empty", "",
            "trailing", "{\"a\": 1} {\"b\": 2}",
            "duplicate", "{\"a\": 1,\n \"a\": 2}",
            "nan", "{\"a\": NaN}",
            "comment", "{\"a\": 1 // no comments\n}",
            "deep", "{\"a\": " + "[".repeat(100) + "]".repeat(100) + "}");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Files.writeString(hosts(c.getKey()), c.getValue());
      assertThatThrownBy(() -> store.hosts().get(c.getKey()))
          .as(c.getKey())
          .isInstanceOf(BadInputException.class)
          .hasMessageStartingWith("host '" + c.getKey() + "' (hosts/" + c.getKey() + ")");
    }
    assertThatThrownBy(() -> store.hosts().get("duplicate"))
        .hasMessageContaining("line 2")
        .hasMessageContaining("'a'");
    assertThatThrownBy(() -> store.hosts().get("deep")).hasMessageContaining("deeper than 64");
  }

  @Test
  void aTemplateThatIsNotUtf8IsAnErrorNamingTheFile() throws IOException {
    Files.createDirectories(root.resolve("templates"));
    Files.write(root.resolve("templates/latin1.ks"), new byte[] {'c', 'a', 'f', (byte) 0xe9, '\n'});
    assertThatThrownBy(() -> store.templates().get("latin1.ks"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("template 'latin1.ks' (templates/latin1.ks) is not valid UTF-8");
  }

  @Test
  void nameDotJsonIsTheRecordNameAndKeepsItsFile() throws IOException {
    Files.writeString(hosts("web2.json"), "{\"ipaddr\": \"10.0.0.2\"}");
    assertThat(store.hosts().list()).containsExactly("web2");
    Versioned<Params> v = store.hosts().get("web2").orElseThrow();
    assertThat(v.value().string("ipaddr")).contains("10.0.0.2");
    assertThatThrownBy(() -> store.hosts().create("web2", Params.EMPTY))
        .isInstanceOf(AlreadyExistsException.class);
    store
        .hosts()
        .replace("web2", Params.of(Map.of("ipaddr", "10.0.0.3")), Optional.of(v.version()));
    assertThat(Files.readString(hosts("web2.json"))).contains("10.0.0.3");
    assertThat(hosts("web2")).doesNotExist();
    store.hosts().delete("web2", Optional.empty());
    assertThat(hosts("web2.json")).doesNotExist();
  }

  @Test
  void aRecordNamedDotJsonGetsOneMoreSuffix() {
    store.groups().create("config.json", Params.of(Map.of("a", 1L)));
    assertThat(root.resolve("groups/config.json.json")).exists();
    assertThat(root.resolve("groups/config.json")).doesNotExist();
    assertThat(store.groups().list()).containsExactly("config.json");
    String tooLong =
        "a".repeat(246) + ".json"; // 251 bytes: a valid name, but its file would be 256
    assertThatThrownBy(() -> store.groups().create(tooLong, Params.EMPTY))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("at most 250 bytes");
    // Templates are named exactly as their files.
    store.templates().create("ignition.json", "{}");
    assertThat(root.resolve("templates/ignition.json")).hasContent("{}");
  }

  @Test
  void nameAndNameDotJsonTogetherAreAnErrorNamingBoth() throws IOException {
    Files.writeString(hosts("twice"), "{}");
    Files.writeString(hosts("twice.json"), "{}");
    assertThat(store.hosts().list()).containsExactly("twice");
    assertThatThrownBy(() -> store.hosts().get("twice"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("hosts/twice and in hosts/twice.json; remove one of them");
    assertThatThrownBy(() -> store.hosts().replace("twice", Params.EMPTY, Optional.empty()))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> store.hosts().delete("twice", Optional.empty()))
        .isInstanceOf(BadInputException.class);
    assertThat(hosts("twice")).exists();
    assertThat(hosts("twice.json")).exists();
  }

  @Test
  void dotFilesAreIgnored() throws IOException {
    Files.writeString(hosts(".web1.swp"), "binary junk");
    Files.writeString(hosts(".hidden"), "{}");
    store.hosts().create("web1", Params.EMPTY);
    assertThat(store.hosts().list()).containsExactly("web1");
  }

  @Test
  void symbolicLinksAreFollowedOnlyInsideTheStore(@TempDir Path outside) throws IOException {
    Path secret = Files.writeString(outside.resolve("secret"), "{\"password\": \"hunter2\"}");
    Files.createSymbolicLink(hosts("evil"), secret);
    Files.writeString(root.resolve("groups/base"), "{\"a\": 1}");
    Files.createSymbolicLink(hosts("alias"), Path.of("../groups/base"));
    Files.createSymbolicLink(hosts("dangling"), Path.of("nowhere"));

    assertThatThrownBy(() -> store.hosts().get("evil"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host 'evil' (hosts/evil) is a symbolic link to")
        .hasMessageContaining("outside the store folder")
        .hasMessageNotContaining("hunter2");
    assertThat(store.hosts().get("alias").orElseThrow().value().get("a")).contains(1L);
    assertThatThrownBy(() -> store.hosts().get("dangling"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("missing file");
    assertThat(store.queryHosts(Map.of())).containsExactly("alias");
    // Writing a linked record replaces the link with a file; the target is never written through.
    store.hosts().replace("evil", Params.of(Map.of("safe", true)), Optional.empty());
    assertThat(secret).hasContent("{\"password\": \"hunter2\"}");
    assertThat(Files.isSymbolicLink(hosts("evil"))).isFalse();
  }

  @Test
  void aRecordFolderThatLeadsOutOfTheStoreIsRefusedAtOpen(@TempDir Path outside)
      throws IOException {
    store.close();
    Files.delete(root.resolve("hosts"));
    Files.createSymbolicLink(root.resolve("hosts"), outside);
    assertThatThrownBy(() -> FileParameterStore.open(root))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("hosts folder")
        .hasMessageContaining("outside the store folder");
    Files.delete(root.resolve("hosts"));
    store = FileParameterStore.open(root);
  }

  @Test
  void aFolderWhereARecordShouldBeIsAnError() throws IOException {
    Files.createDirectories(hosts("sub"));
    assertThatThrownBy(() -> store.hosts().get("sub"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("hosts/sub) is a folder");
  }
}
