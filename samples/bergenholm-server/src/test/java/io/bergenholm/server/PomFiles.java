package io.bergenholm.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/** Reads the few things the tests need from the project's POM files. */
final class PomFiles {
  private PomFiles() {}

  static Document read(Path pom) throws IOException {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return f.newDocumentBuilder().parse(Files.newInputStream(pom));
    } catch (ParserConfigurationException | SAXException e) {
      throw new IOException("cannot parse " + pom + ": " + e.getMessage(), e);
    }
  }

  /** The text of the first direct child of {@code parent} named {@code name}. */
  static Optional<String> child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return Optional.of(e.getTextContent().strip());
      }
    }
    return Optional.empty();
  }

  static Optional<Element> childElement(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The version of {@code pom}, its own or its parent's. */
  static String projectVersion(Path pom) throws IOException {
    Element project = read(pom).getDocumentElement();
    return child(project, "version")
        .or(() -> childElement(project, "parent").flatMap(p -> child(p, "version")))
        .orElseThrow(() -> new IOException(pom + " has no version"));
  }

  /** Every element named {@code tag} below {@code root}, as text. */
  static List<String> all(Element root, String tag) {
    NodeList nodes = root.getElementsByTagName(tag);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent().strip());
    }
    return texts;
  }
}
