package io.bergenholm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * Keeps what Maven Central needs in step with the modules: the BOM (which has no parent, so its
 * version and list are kept by hand) names exactly the published modules at the project's version,
 * and every POM that is published carries the metadata and a Java module name.
 */
class ReleaseMetadataTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

  record Module(Path pom, Element project) {
    String artifactId() {
      return PomFiles.child(project, "artifactId").orElseThrow();
    }

    String packaging() {
      return PomFiles.child(project, "packaging").orElse("jar");
    }

    String property(String name) {
      return PomFiles.childElement(project, "properties")
          .flatMap(p -> PomFiles.child(p, name))
          .orElse(null);
    }

    boolean published() {
      return !"true".equals(property("maven.deploy.skip"));
    }
  }

  private static List<Module> modules(Path dir) throws IOException {
    List<Module> found = new ArrayList<>();
    Element project = PomFiles.read(dir.resolve("pom.xml")).getDocumentElement();
    found.add(new Module(dir.resolve("pom.xml"), project));
    for (String m :
        PomFiles.childElement(project, "modules")
            .map(e -> PomFiles.all(e, "module"))
            .orElse(List.of())) {
      found.addAll(modules(dir.resolve(m)));
    }
    return found;
  }

  @Test
  void theBomNamesEveryPublishedModuleAtTheProjectVersion() throws IOException {
    List<Module> modules = modules(ROOT);
    Set<String> publishedJars = new TreeSet<>();
    for (Module m : modules) {
      if (m.published() && m.packaging().equals("jar")) {
        publishedJars.add(m.artifactId());
      }
    }
    assertThat(publishedJars)
        .containsExactly(
            "bergenholm-api",
            "bergenholm-engine",
            "bergenholm-netboot",
            "bergenholm-power",
            "bergenholm-store-file",
            "bergenholm-store-mongo");

    Path bomPom = ROOT.resolve("bergenholm-bom/pom.xml");
    Element bom = PomFiles.read(bomPom).getDocumentElement();
    assertThat(PomFiles.childElement(bom, "parent"))
        .as("the BOM must not inherit dependencyManagement")
        .isEmpty();
    assertThat(PomFiles.child(bom, "version"))
        .hasValue(PomFiles.projectVersion(ROOT.resolve("pom.xml")));
    Element managed = PomFiles.childElement(bom, "dependencyManagement").orElseThrow();
    assertThat(new TreeSet<>(PomFiles.all(managed, "artifactId"))).isEqualTo(publishedJars);
    assertThat(PomFiles.all(managed, "version")).allMatch("${project.version}"::equals);
  }

  @Test
  void publishedPomsCarryWhatMavenCentralRequires() throws IOException {
    Element root = PomFiles.read(ROOT.resolve("pom.xml")).getDocumentElement();
    Element bom = PomFiles.read(ROOT.resolve("bergenholm-bom/pom.xml")).getDocumentElement();
    for (Element pom : List.of(root, bom)) {
      assertThat(PomFiles.child(pom, "url")).hasValue("https://github.com/bergenholm/bergenholm");
      for (String section : List.of("licenses", "developers", "scm", "issueManagement")) {
        assertThat(PomFiles.childElement(pom, section)).as(section).isPresent();
      }
      assertThat(PomFiles.all(pom, "connection"))
          .containsExactly("scm:git:https://github.com/bergenholm/bergenholm.git");
      assertThat(PomFiles.child(pom, "description")).isPresent();
    }
    // Modules share the one repository URL: Maven must not append their artifactIds to it.
    assertThat(root.getAttribute("child.project.url.inherit.append.path")).isEqualTo("false");
    Element scm = PomFiles.childElement(root, "scm").orElseThrow();
    for (String part : List.of("connection", "developerConnection", "url")) {
      assertThat(scm.getAttribute("child.scm." + part + ".inherit.append.path"))
          .as(part)
          .isEqualTo("false");
    }
    Element rootProps = PomFiles.childElement(root, "properties").orElseThrow();
    Element bomProps = PomFiles.childElement(bom, "properties").orElseThrow();
    assertThat(PomFiles.child(bomProps, "project.build.outputTimestamp"))
        .isEqualTo(PomFiles.child(rootProps, "project.build.outputTimestamp"))
        .isPresent();
  }

  @Test
  void everyJarHasItsOwnModuleName() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Module m : modules(ROOT)) {
      if (!m.packaging().equals("jar")) {
        continue;
      }
      String name = m.property("bergenholm.module.name");
      assertThat(name)
          .as(m.pom().toString())
          .isNotNull()
          .matches("io\\.bergenholm(\\.[a-z][a-z0-9]*)+");
      assertThat(names.add(name)).as("module name %s used twice", name).isTrue();
      assertThat(Files.exists(m.pom())).isTrue();
    }
    assertThat(names)
        .contains("io.bergenholm.api", "io.bergenholm.engine", "io.bergenholm.store.file");
  }
}
