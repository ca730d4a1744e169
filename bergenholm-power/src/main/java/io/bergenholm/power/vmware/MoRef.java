package io.bergenholm.power.vmware;

/** A managed object reference: its type (such as {@code VirtualMachine}) and its id. */
record MoRef(String type, String value) {
  static MoRef of(XmlTree e) {
    return new MoRef(e.attributes().getOrDefault("type", ""), e.text());
  }

  /** The reference as a SOAP element named {@code element}. */
  String xml(String element) {
    return "<"
        + element
        + " type=\""
        + XmlTree.escape(type)
        + "\">"
        + XmlTree.escape(value)
        + "</"
        + element
        + ">";
  }
}
