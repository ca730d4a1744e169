package io.bergenholm.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bergenholm.api.Params;
import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python project's sample data opens as it is. It lives beside the repository (system property
 * {@code bergenholm.compat.fixture} names it otherwise) and is read-only: this test never writes
 * it.
 */
final class CompatFixtureTest {
  private static Path fixture;

  @BeforeAll
  static void locate() {
    fixture = locateFixture().orElse(null);
    assumeTrue(
        fixture != null,
        "the compatibility fixture (shared/compat/fixture beside the repository) is absent");
  }

  /**
   * The property if set, else {@code shared/compat/fixture} in the nearest folder above the working
   * folder.
   */
  static Optional<Path> locateFixture() {
    String property = System.getProperty("bergenholm.compat.fixture");
    if (property != null && !property.isBlank()) {
      return Optional.of(Path.of(property));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/compat/fixture");
      if (Files.isDirectory(candidate.resolve("groups"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Test
  void listsEighteenGroupsThreeHostsAndThreeTemplates() throws IOException {
    List<String> before = snapshot();
    try (FileParameterStore store = FileParameterStore.open(fixture)) {
      assertThat(store.groups().list())
          .hasSize(18)
          .contains(
              "centos",
              "centos.amd64",
              "centos.x86",
              "centos6",
              "centos7",
              "default",
              "installed",
              "register",
              "ubuntu",
              "ubuntu.amd64",
              "ubuntu.efi",
              "ubuntu.x86",
              "ubuntu1204",
              "ubuntu1404",
              "ubuntu1410",
              "ubuntu1504",
              "ubuntu1604",
              "ubuntu1804")
          .isSorted();
      assertThat(store.hosts().list()).containsExactly("default", "register", "samplehost");
      assertThat(store.templates().list())
          .containsExactly("linux.ipxe", "localboot.ipxe", "register.ipxe");
    }
    assertThat(snapshot()).as("opening and reading wrote nothing").isEqualTo(before);
  }

  @Test
  void everyRecordReadsAsWritten() throws IOException {
    try (FileParameterStore store = FileParameterStore.open(fixture)) {
      Params samplehost = store.hosts().get("samplehost").orElseThrow().value();
      assertThat(samplehost)
          .isEqualTo(
              Params.of(
                  Map.of(
                      "groups",
                      List.of("centos6", "centos.amd64"),
                      "hostname",
                      "test-200",
                      "ipaddr",
                      "192.168.10.200")));
      assertThat(List.copyOf(samplehost.keys())).containsExactly("groups", "hostname", "ipaddr");
      assertThat(samplehost.groups()).containsExactly("centos6", "centos.amd64");
      Params centos = store.groups().get("centos").orElseThrow().value();
      assertThat(centos.string("kernel")).contains("{{image_base_url}}/vmlinuz");
      assertThat(centos.groups()).containsExactly("default");
      for (String group : store.groups().list()) {
        assertThat(store.groups().get(group)).as(group).isPresent();
      }
      for (String template : store.templates().list()) {
        String text = store.templates().get(template).orElseThrow().value();
        assertThat(text)
            .as(template)
            .isEqualTo(Files.readString(fixture.resolve("templates").resolve(template)));
      }
      assertThat(store.queryHosts(Map.of("groups", "centos6"))).containsExactly("samplehost");
    }
  }

  @Test
  void isReadOnlyAndRefusesWritesWithoutTouchingIt() throws IOException {
    List<String> before = snapshot();
    // Where its permission bits grant nobody write access (as shipped), even root must not write
    // it, so a plain open is read-only; a writable copy is opened read-only explicitly.
    boolean marked =
        Files.getPosixFilePermissions(fixture).stream().noneMatch(p -> p.name().endsWith("_WRITE"));
    try (FileParameterStore store =
        marked ? FileParameterStore.open(fixture) : FileParameterStore.openReadOnly(fixture)) {
      assertThat(store.isReadOnly()).isTrue();
      assertThatThrownBy(() -> store.hosts().create("new", Params.EMPTY))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("read-only")
          .hasMessageContaining("host 'new' was not written");
      assertThatThrownBy(() -> store.templates().delete("linux.ipxe", Optional.empty()))
          .isInstanceOf(UnavailableException.class);
      assertThat(store.templates().get("linux.ipxe")).isPresent();
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  /** Every path under the fixture, dot files included, with its size and modification time. */
  private static List<String> snapshot() throws IOException {
    try (Stream<Path> all = Files.walk(fixture)) {
      return all.sorted()
          .map(
              p -> {
                try {
                  return fixture.relativize(p)
                      + " "
                      + Files.size(p)
                      + " "
                      + Files.getLastModifiedTime(p);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }
}
