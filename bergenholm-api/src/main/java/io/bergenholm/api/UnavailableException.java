package io.bergenholm.api;

/** A backing system cannot be reached now (database down, disk unreadable); retrying may succeed. */
public final class UnavailableException extends BergenholmException {
  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
