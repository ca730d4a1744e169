package io.bergenholm.store.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.bergenholm.api.Params;
import io.bergenholm.api.TestProviderContext;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.api.store.StoreProvider;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.store.file.FileStoreProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Python project's sample data, put into MongoDB as that project did (one document per record,
 * JSON numbers as int32, no version field), read by Bergenholm engines over the MongoDB store and
 * over the directory store: both must resolve and render everything alike.
 */
class PythonDatabaseTest {
  /** The engine module's copy of the Python project's sample data. */
  private static final Path FIXTURE =
      Path.of("../bergenholm-engine/src/test/resources/compat/fixture");

  private TestMongo mongo;
  private Bergenholm overMongo;
  private Bergenholm overFiles;
  private ParameterStore files;

  @BeforeEach
  void load() throws IOException {
    mongo = TestMongo.inMemory();
    try (MongoClient client = MongoClients.create(mongo.uri("python"))) {
      MongoDatabase db = client.getDatabase("python");
      for (String kind : List.of("hosts", "groups")) {
        for (Path f : files(kind)) {
          Document doc = new Document("_id", f.getFileName().toString());
          doc.putAll(Document.parse(Files.readString(f, StandardCharsets.UTF_8)));
          db.getCollection(kind).insertOne(doc);
        }
      }
      for (Path f : files("templates")) {
        db.getCollection("templates")
            .insertOne(
                new Document("_id", f.getFileName().toString())
                    .append("content", Files.readString(f, StandardCharsets.UTF_8)));
      }
    }
    overMongo = Bergenholm.builder().config(Map.of("store", mongo.uri("python"))).build();
    files =
        TestProviderContext.instantiate(
            new FileStoreProvider(),
            Map.of(StoreProvider.LOCATION, "file:" + FIXTURE, FileStoreProvider.READ_ONLY, "true"));
    overFiles = Bergenholm.builder().store(files).build();
  }

  @AfterEach
  void close() {
    overMongo.close();
    overFiles.close();
    files.close();
    mongo.close();
  }

  private static List<Path> files(String kind) throws IOException {
    try (Stream<Path> s = Files.list(FIXTURE.resolve(kind))) {
      return s.sorted().toList();
    }
  }

  @Test
  void everythingResolvesAndRendersAsFromTheDirectoryStore() {
    assertThat(overMongo.listHosts(Map.of())).containsExactly("default", "register", "samplehost");
    assertThat(overMongo.listGroups()).hasSize(18).isEqualTo(overFiles.listGroups());
    assertThat(overMongo.listTemplates())
        .containsExactly("linux.ipxe", "localboot.ipxe", "register.ipxe");
    for (String host : overFiles.listHosts(Map.of())) {
      assertThat(overMongo.host(host).orElseThrow().value())
          .as(host)
          .isEqualTo(overFiles.host(host).orElseThrow().value());
      assertThat(overMongo.resolveHost(host)).as(host).isEqualTo(overFiles.resolveHost(host));
    }
    for (String group : overFiles.listGroups()) {
      assertThat(overMongo.resolveGroup(group)).as(group).isEqualTo(overFiles.resolveGroup(group));
    }
    Params sample = overMongo.resolveHost("samplehost").params();
    assertThat(sample.string("kernel"))
        .contains("http://mirror.centos.org/centos-6/6/os/x86_64/images/pxeboot/vmlinuz");
    assertThat(sample.string("kernel_opts"))
        .contains("ks=http://192.168.10.254/api/1.0/templates/centos6.kickstart/${uuid}");
    assertThat(overMongo.resolveGroup("register").string("ipxe_url")).contains("{{base_url}}/ipxe");
    String unknown = "01234567-89ab-cdef-0123-456789abcdef";
    assertThat(overMongo.ipxeScript(unknown)).isEqualTo(overFiles.ipxeScript(unknown));
    assertThat(overMongo.ipxeScript("samplehost"))
        .isEqualTo(overFiles.ipxeScript("samplehost"))
        .contains("/ipxe/kernel/${uuid} ks=http://192.168.10.254/")
        .doesNotContain("{{");
    assertThat(overMongo.listHosts(Map.of("hostname", "test-200"))).containsExactly("samplehost");
  }

  @Test
  void markingInstalledUpdatesThePythonDocumentInPlace() {
    overMongo.markInstalled("samplehost", true);
    try (MongoClient client = MongoClients.create(mongo.uri("python"))) {
      Document doc =
          client
              .getDatabase("python")
              .getCollection("hosts")
              .find(new Document("_id", "samplehost"))
              .first();
      assertThat(doc.getList("groups", String.class))
          .containsExactly("centos6", "centos.amd64", "installed");
      assertThat(doc.getString("hostname")).isEqualTo("test-200");
      assertThat(doc.getString("ipaddr")).isEqualTo("192.168.10.200");
      assertThat(doc.getString(FieldNames.VERSION)).isNotBlank();
    }
    assertThat(overMongo.ipxeScript("samplehost")).contains("sanboot");
    overMongo.markInstalled("samplehost", false);
    assertThat(overMongo.host("samplehost").orElseThrow().value().groups())
        .containsExactly("centos6", "centos.amd64");
  }
}
