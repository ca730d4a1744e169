package io.bergenholm.api;

/** The three kinds of record a parameter store keeps. */
public enum RecordKind {
  HOST("host", "hosts"),
  GROUP("group", "groups"),
  TEMPLATE("template", "templates");

  private final String singular;
  private final String plural;

  RecordKind(String singular, String plural) {
    this.singular = singular;
    this.plural = plural;
  }

  /** "host", "group" or "template", as used in messages. */
  public String singular() {
    return singular;
  }

  /** "hosts", "groups" or "templates": the REST collection, the file store's folder and the MongoDB collection. */
  public String plural() {
    return plural;
  }
}
