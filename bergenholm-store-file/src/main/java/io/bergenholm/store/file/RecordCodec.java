package io.bergenholm.store.file;

/**
 * Turns a record's value into the bytes of its file and back.
 *
 * @param <T> {@link io.bergenholm.api.Params} or {@link String}
 */
interface RecordCodec<T> {
  /**
   * @param file the file as an operator would name it, such as {@code hosts/web1}, for messages
   * @throws io.bergenholm.api.BadInputException naming {@code file} (and the line, where there is
   *     one) if the bytes are not a valid record
   */
  T decode(byte[] bytes, String file);

  /**
   * @throws io.bergenholm.api.BadInputException if the value cannot be stored faithfully
   */
  byte[] encode(T value, String file);
}
