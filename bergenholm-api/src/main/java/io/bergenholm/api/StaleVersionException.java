package io.bergenholm.api;

/** A conditional write expected a version of the record that is no longer the current one. */
public final class StaleVersionException extends BergenholmException {
  /** The kind of record written. */
  private final RecordKind kind;

  /** The name of the record written. */
  private final String name;

  /**
   * Creates the exception for one record.
   *
   * @param kind the kind of record written
   * @param name its name
   * @param expected the version the write named
   * @param actual the version stored now
   */
  public StaleVersionException(RecordKind kind, String name, String expected, String actual) {
    super(
        kind.singular()
            + " '"
            + name
            + "' has changed: expected version "
            + expected
            + ", current version "
            + actual);
    this.kind = kind;
    this.name = name;
  }

  /**
   * @return the kind of record written
   */
  public RecordKind kind() {
    return kind;
  }

  /**
   * @return the name of the record written
   */
  public String name() {
    return name;
  }
}
