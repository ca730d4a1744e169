package io.bergenholm.netboot.http;

/** The caller's token is valid but does not allow this call (403). */
final class Forbidden extends RuntimeException {
  Forbidden(String message) {
    super(message, null, false, false);
  }
}
