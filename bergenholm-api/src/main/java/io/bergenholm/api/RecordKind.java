package io.bergenholm.api;

/** The three kinds of record a parameter store keeps. */
public enum RecordKind {
  /** A machine, named by its id (usually the SMBIOS UUID). */
  HOST("host", "hosts"),
  /** A named set of parameters that hosts and other groups inherit. */
  GROUP("group", "groups"),
  /** A named template text (iPXE script, kickstart, preseed ...). */
  TEMPLATE("template", "templates");

  private final String singular;
  private final String plural;

  RecordKind(String singular, String plural) {
    this.singular = singular;
    this.plural = plural;
  }

  /**
   * @return "host", "group" or "template", as used in messages
   */
  public String singular() {
    return singular;
  }

  /**
   * The plural name.
   *
   * @return "hosts", "groups" or "templates": the REST collection, the file store's folder and the
   *     MongoDB collection
   */
  public String plural() {
    return plural;
  }
}
