package io.bergenholm.power.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import javax.xml.stream.XMLStreamException;
import org.junit.jupiter.api.Test;

class XmlTreeTest {
  @Test
  void ignoresElementsAndAttributesItDoesNotKnowAndReadsXsiTypeByNamespace() throws Exception {
    String answer =
        """
        <?xml version="1.0"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
          <s:Header><futureHeader xmlns="urn:vim99">x</futureHeader></s:Header>
          <s:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
            <objects newAttribute="1"><obj type="VirtualMachine">vm-1</obj>
              <futureElement><deep><deeper/></deep></futureElement>
              <propSet><name>runtime.powerState</name><val i:type="VirtualMachinePowerState">poweredOn</val></propSet>
            </objects></returnval></RetrievePropertiesExResponse></s:Body></s:Envelope>
        """;
    XmlTree doc = XmlTree.parse(answer.strip().getBytes(StandardCharsets.UTF_8));
    XmlTree objects =
        doc.path("Body", "RetrievePropertiesExResponse", "returnval", "objects").orElseThrow();
    assertThat(MoRef.of(objects.child("obj").orElseThrow()))
        .isEqualTo(new MoRef("VirtualMachine", "vm-1"));
    XmlTree val = objects.child("propSet").flatMap(p -> p.child("val")).orElseThrow();
    assertThat(val.type()).isEqualTo("VirtualMachinePowerState");
    assertThat(val.text()).isEqualTo("poweredOn");
  }

  @Test
  void refusesDoctypes() {
    String evil = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    assertThatThrownBy(() -> XmlTree.parse(evil.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(XMLStreamException.class);
  }

  @Test
  void escapesText() {
    assertThat(XmlTree.escape("a<b>&\"'")).isEqualTo("a&lt;b&gt;&amp;&quot;&apos;");
  }
}
