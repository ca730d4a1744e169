package io.bergenholm.api;

/** The named record (or image) does not exist. */
public final class NotFoundException extends BergenholmException {
  private final String what;
  private final String name;

  public NotFoundException(RecordKind kind, String name) {
    this(kind.singular(), name);
  }

  /** {@code what} is a noun such as "host", "image" or "template". */
  public NotFoundException(String what, String name) {
    super(what + " '" + name + "' not found");
    this.what = what;
    this.name = name;
  }

  public String what() {
    return what;
  }

  public String name() {
    return name;
  }
}
