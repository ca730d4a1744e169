package io.bergenholm.api;

/** A create named a record that already exists. */
public final class AlreadyExistsException extends BergenholmException {
  /** The kind of record the create named. */
  private final RecordKind kind;

  /** The name that is already taken. */
  private final String name;

  /**
   * Creates the exception for one record.
   *
   * @param kind what kind of record the create named
   * @param name the name that is already taken
   */
  public AlreadyExistsException(RecordKind kind, String name) {
    super(kind.singular() + " '" + name + "' already exists");
    this.kind = kind;
    this.name = name;
  }

  /**
   * @return the kind of record the create named
   */
  public RecordKind kind() {
    return kind;
  }

  /**
   * @return the name that is already taken
   */
  public String name() {
    return name;
  }
}
