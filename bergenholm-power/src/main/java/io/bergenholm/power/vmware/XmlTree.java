package io.bergenholm.power.vmware;

import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A SOAP answer read with StAX into a small tree of elements, by local name. Callers walk to the
 * few elements they need and never look at the rest, so elements and attributes that a newer
 * vCenter adds are ignored.
 */
record XmlTree(
    String name, String type, Map<String, String> attributes, String text, List<XmlTree> children) {
  private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
  private static final int MAX_DEPTH = 64;

  /** The first child named {@code name}. */
  Optional<XmlTree> child(String name) {
    for (XmlTree c : children) {
      if (c.name.equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Every child named {@code name}, in order. */
  List<XmlTree> all(String name) {
    List<XmlTree> found = new ArrayList<>();
    for (XmlTree c : children) {
      if (c.name.equals(name)) {
        found.add(c);
      }
    }
    return found;
  }

  /** The element at a path of child names, such as {@code Body/Fault/faultstring}. */
  Optional<XmlTree> path(String... names) {
    Optional<XmlTree> at = Optional.of(this);
    for (String n : names) {
      at = at.flatMap(e -> e.child(n));
    }
    return at;
  }

  /** The text of the child named {@code name}, if present. */
  Optional<String> text(String name) {
    return child(name).map(XmlTree::text);
  }

  static XmlTree parse(byte[] xml) throws XMLStreamException {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    XMLStreamReader r = f.createXMLStreamReader(new ByteArrayInputStream(xml));
    try {
      Deque<Builder> open = new ArrayDeque<>();
      while (r.hasNext()) {
        switch (r.next()) {
          case XMLStreamConstants.START_ELEMENT -> {
            if (open.size() >= MAX_DEPTH) {
              throw new XMLStreamException("XML nested deeper than " + MAX_DEPTH + " levels");
            }
            Builder b = new Builder(r.getLocalName());
            for (int i = 0; i < r.getAttributeCount(); i++) {
              String local = r.getAttributeLocalName(i);
              if (XSI.equals(r.getAttributeNamespace(i)) && local.equals("type")) {
                String t = r.getAttributeValue(i);
                b.type = t.substring(t.indexOf(':') + 1);
              } else {
                b.attributes.put(local, r.getAttributeValue(i));
              }
            }
            open.push(b);
          }
          case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
            if (!open.isEmpty()) {
              open.peek().text.append(r.getText());
            }
          }
          case XMLStreamConstants.END_ELEMENT -> {
            XmlTree done = open.pop().build();
            if (open.isEmpty()) {
              return done;
            }
            open.peek().children.add(done);
          }
          default -> {}
        }
      }
      throw new XMLStreamException("the document ends inside an element");
    } finally {
      r.close();
    }
  }

  private static final class Builder {
    final String name;
    String type = "";
    final Map<String, String> attributes = new LinkedHashMap<>();
    final StringBuilder text = new StringBuilder();
    final List<XmlTree> children = new ArrayList<>();

    Builder(String name) {
      this.name = name;
    }

    XmlTree build() {
      return new XmlTree(
          name, type, Map.copyOf(attributes), text.toString().trim(), List.copyOf(children));
    }
  }

  /** {@code s} escaped for use as XML text or attribute value. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
