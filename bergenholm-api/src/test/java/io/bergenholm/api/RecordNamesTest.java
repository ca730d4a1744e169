package io.bergenholm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

final class RecordNamesTest {
  @Test
  void ordinaryAndOddNamesAreAllowed() {
    for (String name :
        List.of(
            "samplehost",
            "centos.amd64",
            "linux.ipxe",
            "with space",
            "a:b",
            "user@host",
            "$x",
            "名前",
            "😀",
            "a..b",
            "trailing.",
            "~",
            "a".repeat(255),
            "é".repeat(127) + "a")) {
      assertThat(RecordNames.isValid(name)).as(name).isTrue();
      assertThat(RecordNames.check(RecordKind.HOST, name)).isSameAs(name);
    }
  }

  @Test
  void namesThatCouldEscapeOrHideAreRefusedWithTheReason() {
    assertRefused("", "empty");
    assertRefused(null, "empty");
    assertRefused(".", "starts with a dot");
    assertRefused("..", "starts with a dot");
    assertRefused(".hidden", "starts with a dot");
    assertRefused("/etc/passwd", "'/'");
    assertRefused("a/b", "'/'");
    assertRefused("a\\b", "'\\'");
    assertRefused("a\u0000b", "control character (code 0)");
    assertRefused("line\nbreak", "control character (code 10)");
    assertRefused("del\u007f", "control character (code 127)");
    assertRefused("a".repeat(256), "longer than 255 bytes");
    assertRefused("é".repeat(128), "longer than 255 bytes"); // 128 characters, 256 bytes
  }

  @Test
  void theMessageNamesTheKindAndShowsControlCharactersEscaped() {
    assertThatThrownBy(() -> RecordNames.check(RecordKind.GROUP, "bad\u0000name"))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith("group name 'bad\\u0000name' is not allowed");
    assertThatThrownBy(() -> RecordNames.check(RecordKind.TEMPLATE, "x".repeat(300)))
        .hasMessageContaining("template name 'xxx")
        .hasMessageContaining("…'");
  }

  private static void assertRefused(String name, String reason) {
    assertThat(RecordNames.isValid(name)).isFalse();
    assertThatThrownBy(() -> RecordNames.check(RecordKind.HOST, name))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("host name")
        .hasMessageContaining(reason);
  }
}
