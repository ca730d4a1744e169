package io.bergenholm.api;

/** A create named a record that already exists. */
public final class AlreadyExistsException extends BergenholmException {
  private final RecordKind kind;
  private final String name;

  public AlreadyExistsException(RecordKind kind, String name) {
    super(kind.singular() + " '" + name + "' already exists");
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
