package io.bergenholm.store.file;

import io.bergenholm.api.BadInputException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Templates are stored as their exact UTF-8 text: no trailing newline is added, none removed, and
 * line ends are kept. Bytes that are not UTF-8 are an error rather than silently replaced, so that
 * what is served is what is in the file.
 */
final class TextCodec implements RecordCodec<String> {
  @Override
  public String decode(byte[] bytes, String file) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(file + " is not valid UTF-8 text (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public byte[] encode(String value, String file) {
    Objects.requireNonNull(value, "template text");
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(value));
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new BadInputException(
          file
              + ": the template text holds an unpaired surrogate character and"
              + " cannot be stored as UTF-8",
          e);
    }
  }
}
