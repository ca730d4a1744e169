package io.bergenholm.power.libvirt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Rewrites a libvirt domain definition so that it boots from the network first, and back.
 *
 * <p>libvirt has no "next boot only" switch, so the original boot order is kept inside the
 * definition itself, in a {@code <metadata>} element of Bergenholm's namespace; {@link #restore}
 * puts it back. Keeping it in the domain (rather than in this process) means a restart of
 * Bergenholm, or another replica, still knows what to restore.
 *
 * <p>Both ways libvirt expresses boot order are handled: {@code <os><boot dev='…'/>} elements, and
 * per-device {@code <boot order='N'/>} (the two are mutually exclusive in libvirt). In the
 * per-device form the first {@code <interface>} gets order 1 and the others move down by one.
 */
final class BootOrder {
  static final String NAMESPACE = "https://bergenholm.io/xmlns/libvirt-boot/1";
  private static final String PREFIX = "bergenholm";
  private static final String SAVED = "saved-boot-order";

  private BootOrder() {}

  /** Whether {@code domainXml} carries a saved boot order, that is a network boot is pending. */
  static boolean pending(String domainXml) {
    return saved(parse(domainXml)).isPresent();
  }

  /**
   * The definition with network first. The original order is saved unless one is saved already (so
   * that asking twice does not lose it).
   *
   * @throws IllegalArgumentException if the domain has no network interface to boot from
   */
  static String networkFirst(String domainXml) {
    Document doc = parse(domainXml);
    Element domain = doc.getDocumentElement();
    Element devices = child(domain, "devices").orElse(null);
    List<Element> interfaces = devices == null ? List.of() : children(devices, "interface");
    if (interfaces.isEmpty()) {
      throw new IllegalArgumentException("the domain has no <interface> to boot from");
    }
    if (saved(doc).isEmpty()) {
      save(doc);
    }
    List<Element> withOrder = deviceBoots(devices);
    if (withOrder.isEmpty()) {
      Element os = child(domain, "os").orElseGet(() -> append(domain, "os"));
      List<String> devs = new ArrayList<>();
      for (Element boot : children(os, "boot")) {
        devs.add(boot.getAttribute("dev"));
        os.removeChild(boot);
      }
      if (devs.isEmpty()) {
        devs.add("hd"); // libvirt's default when no boot element is given
      }
      devs.remove("network");
      devs.add(0, "network");
      writeOsBoots(os, devs);
    } else {
      Element nic = interfaces.get(0);
      List<Element> others = new ArrayList<>(withOrder);
      others.removeIf(boot -> boot.getParentNode() == nic);
      others.sort(Comparator.comparingInt(BootOrder::order));
      child(nic, "boot").ifPresent(nic::removeChild);
      Element nicBoot = doc.createElement("boot");
      nicBoot.setAttribute("order", "1");
      nic.appendChild(nicBoot);
      int next = 2;
      for (Element boot : others) {
        boot.setAttribute("order", Integer.toString(next++));
      }
    }
    return format(doc);
  }

  /** The definition with the saved boot order back and the saved copy gone; unchanged if none. */
  static String restore(String domainXml) {
    Document doc = parse(domainXml);
    Optional<Element> saved = saved(doc);
    if (saved.isEmpty()) {
      return domainXml;
    }
    Element domain = doc.getDocumentElement();
    Element os = child(domain, "os").orElseGet(() -> append(domain, "os"));
    children(os, "boot").forEach(os::removeChild);
    Optional<Element> devices = child(domain, "devices");
    devices.ifPresent(d -> deviceBoots(d).forEach(b -> b.getParentNode().removeChild(b)));
    List<String> devs = new ArrayList<>();
    for (Element e : children(saved.get(), null)) {
      if (e.getLocalName().equals("os-boot")) {
        devs.add(e.getAttribute("dev"));
      } else if (e.getLocalName().equals("device-boot") && devices.isPresent()) {
        List<Element> sameTag = children(devices.get(), e.getAttribute("tag"));
        int index = Integer.parseInt(e.getAttribute("index"));
        if (index < sameTag.size()) {
          Element boot = doc.createElement("boot");
          boot.setAttribute("order", e.getAttribute("order"));
          sameTag.get(index).appendChild(boot);
        }
      }
    }
    writeOsBoots(os, devs);
    Element metadata = (Element) saved.get().getParentNode();
    metadata.removeChild(saved.get());
    if (children(metadata, null).isEmpty()) {
      domain.removeChild(metadata);
    }
    return format(doc);
  }

  private static void save(Document doc) {
    Element domain = doc.getDocumentElement();
    Element metadata = child(domain, "metadata").orElseGet(() -> append(domain, "metadata"));
    Element saved = doc.createElementNS(NAMESPACE, PREFIX + ":" + SAVED);
    metadata.appendChild(saved);
    child(domain, "os")
        .ifPresent(
            os -> {
              for (Element boot : children(os, "boot")) {
                Element e = doc.createElementNS(NAMESPACE, PREFIX + ":os-boot");
                e.setAttribute("dev", boot.getAttribute("dev"));
                saved.appendChild(e);
              }
            });
    child(domain, "devices")
        .ifPresent(
            devices -> {
              for (Element boot : deviceBoots(devices)) {
                Element device = (Element) boot.getParentNode();
                Element e = doc.createElementNS(NAMESPACE, PREFIX + ":device-boot");
                e.setAttribute("tag", device.getTagName());
                e.setAttribute(
                    "index",
                    Integer.toString(children(devices, device.getTagName()).indexOf(device)));
                e.setAttribute("order", boot.getAttribute("order"));
                saved.appendChild(e);
              }
            });
  }

  private static void writeOsBoots(Element os, List<String> devs) {
    // libvirt wants <boot> after <type>, <loader> and <nvram> and before the rest of <os>.
    Node before = null;
    for (Node n = os.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && !List.of("type", "loader", "nvram").contains(e.getTagName())) {
        before = e;
        break;
      }
    }
    for (String dev : devs) {
      Element boot = os.getOwnerDocument().createElement("boot");
      boot.setAttribute("dev", dev);
      os.insertBefore(boot, before);
    }
  }

  private static List<Element> deviceBoots(Element devices) {
    List<Element> boots = new ArrayList<>();
    for (Element device : children(devices, null)) {
      child(device, "boot").filter(b -> b.hasAttribute("order")).ifPresent(boots::add);
    }
    return boots;
  }

  private static int order(Element boot) {
    return Integer.parseInt(boot.getAttribute("order").trim());
  }

  private static Optional<Element> saved(Document doc) {
    return child(doc.getDocumentElement(), "metadata")
        .flatMap(
            m -> {
              NodeList found = m.getElementsByTagNameNS(NAMESPACE, SAVED);
              return found.getLength() == 0
                  ? Optional.empty()
                  : Optional.of((Element) found.item(0));
            });
  }

  private static Element append(Element parent, String tag) {
    Element e = parent.getOwnerDocument().createElement(tag);
    parent.appendChild(e);
    return e;
  }

  private static Optional<Element> child(Element parent, String tag) {
    List<Element> found = children(parent, tag);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /**
   * Element children named {@code tag} (local name, any namespace), or all if {@code tag} is null.
   */
  private static List<Element> children(Element parent, String tag) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && (tag == null || tag.equals(localName(e)))) {
        found.add(e);
      }
    }
    return found;
  }

  private static String localName(Element e) {
    return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
  }

  private static Document parse(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      return b.parse(new InputSource(new StringReader(xml)));
    } catch (ParserConfigurationException | SAXException | java.io.IOException e) {
      throw new IllegalArgumentException(
          "libvirt returned a domain definition that is not XML: " + e.getMessage(), e);
    }
  }

  private static String format(Document doc) {
    try {
      TransformerFactory f = TransformerFactory.newInstance();
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      Transformer t = f.newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(doc), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot write a domain definition", e);
    }
  }
}
