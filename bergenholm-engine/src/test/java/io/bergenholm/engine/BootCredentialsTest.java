package io.bergenholm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootCredentialsTest {
  @TempDir Path dir;

  @Test
  void theSecretFileIsCreatedPrivateAndSharedByEveryEngineThatNamesIt() throws Exception {
    Path file = dir.resolve("state/boot-secret");
    Map<String, String> config =
        Map.of("store", "memory:", BootCredentials.SECRET_FILE, file.toString());
    String first;
    try (Bergenholm a = Bergenholm.builder().config(config).build()) {
      first = a.bootCredentials().tokenFor("h1");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      // A replica, or this server after a restart: the same credential.
      try (Bergenholm b = Bergenholm.builder().config(config).build()) {
        assertThat(b.bootCredentials().tokenFor("h1")).isEqualTo(first);
        assertThat(b.bootCredentials().verify("h1", first)).isTrue();
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
      assertThat(other.bootCredentials().verify("h1", first)).isFalse();
    }
  }

  @Test
  void credentialsAreHostBoundAndComputedNotStored() {
    try (Bergenholm e =
        Bergenholm.builder()
            .config(
                Map.of(
                    "store", "memory:", BootCredentials.SECRET, "0123456789abcdef0123456789abcdef"))
            .build()) {
      BootCredentials c = e.bootCredentials();
      assertThat(c.tokenFor("h1"))
          .hasSize(43)
          .matches("[A-Za-z0-9_-]+")
          .isNotEqualTo(c.tokenFor("h2"));
      assertThat(c.verify("h2", c.tokenFor("h1"))).isFalse();
      assertThat(c.verify("h1", c.tokenFor("h1").substring(1))).isFalse();
      assertThat(c.verify("h1", null)).isFalse();
      // A host cannot choose its own credential: the computed value wins over a stored one.
      e.createHost("h1", Params.of(Map.of("boot_token", "chosen", "groups", List.of())));
      assertThat(e.resolveHost("h1").params().get("boot_token")).contains(c.tokenFor("h1"));
      assertThat(e.store().hosts().get("h1").orElseThrow().value().get("boot_token"))
          .contains("chosen");
      assertThat(e.isSecretParameter("boot_token")).isTrue();
    }
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
