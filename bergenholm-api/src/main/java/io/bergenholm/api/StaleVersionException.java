package io.bergenholm.api;

/** A conditional write expected a version of the record that is no longer the current one. */
public final class StaleVersionException extends BergenholmException {
  private final RecordKind kind;
  private final String name;

  public StaleVersionException(RecordKind kind, String name, String expected, String actual) {
    super(kind.singular() + " '" + name + "' has changed: expected version " + expected
        + ", current version " + actual);
    this.kind = kind;
    this.name = name;
  }

  public RecordKind kind() {
    return kind;
  }

  public String name() {
    return name;
  }
}
