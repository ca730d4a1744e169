package io.bergenholm.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the client's bearer token comes from: a file, or env {@code BERGENHOLM_TOKEN}. */
final class Tokens {
  private Tokens() {}

  static Optional<String> fromFileOrEnv(Path file) {
    if (file != null) {
      try {
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
          throw new ClientException(Main.USAGE, "token file " + file + " is empty");
        }
        return Optional.of(token);
      } catch (IOException e) {
        throw new ClientException(
            Main.USAGE, "cannot read token file " + file + ": " + e.getMessage());
      }
    }
    return Optional.ofNullable(System.getenv("BERGENHOLM_TOKEN"))
        .map(String::strip)
        .filter(t -> !t.isEmpty());
  }
}
