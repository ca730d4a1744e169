package io.bergenholm.api;

/** The named record (or image) does not exist. */
public final class NotFoundException extends BergenholmException {
  /** What was looked for. */
  private final String what;

  /** The name looked for. */
  private final String name;

  /**
   * Creates the exception for a missing record.
   *
   * @param kind the kind of record looked for
   * @param name its name
   */
  public NotFoundException(RecordKind kind, String name) {
    this(kind.singular(), name);
  }

  /**
   * Creates the exception for anything missing that has a name.
   *
   * @param what a noun such as "host", "image" or "template"
   * @param name the name looked for
   */
  public NotFoundException(String what, String name) {
    super(what + " '" + name + "' not found");
    this.what = what;
    this.name = name;
  }

  /**
   * @return what was looked for: "host", "image", "template" ...
   */
  public String what() {
    return what;
  }

  /**
   * @return the name looked for
   */
  public String name() {
    return name;
  }
}
