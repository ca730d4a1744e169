package io.bergenholm.engine.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bergenholm.api.Params;
import io.bergenholm.api.store.ParameterStore;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.store.MemoryStore;
import io.bergenholm.store.file.FileParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Resolve a host and render its iPXE script, on generated data: 10,000 hosts, 1,000 groups in
 * inheritance chains 6 deep, 56 parameters per host of which 16 are templates referring to others,
 * several levels deep. {@code warm} serves from the engine's caches; {@code cold} uses an engine
 * with caching off, so every call walks the groups, expands and renders. {@code store} is the
 * memory store, or the directory store over the same records written as files (so that a cold call
 * reads the host's, its six groups' and the template's files).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EngineBenchmark {
  static final int HOSTS = 10_000;
  static final int GROUPS = 1_000;
  static final int DEPTH = 6;

  static final String LINUX_IPXE =
      """
      #!ipxe
      {%- if module0 is defined %}
      module --name module0 {{ipxe_url}}/module/${uuid}/0
      {%- elif module is defined %}
      module --name module0 {{ipxe_url}}/module/${uuid}
      {%- endif %}
      {%- if module1 is defined %}
      module --name module1 {{ipxe_url}}/module/${uuid}/1
      {%- endif %}
      {%- if kernel is defined %}
      {%- if kernel_opts is defined %}
      kernel {{ipxe_url}}/kernel/${uuid} {{kernel_opts}}
      {%- else %}
      kernel {{ipxe_url}}/kernel/${uuid}
      {%- endif %}
      {%- endif %}
      boot
      """;

  @Param({"memory", "file"})
  public String store;

  private ParameterStore data;
  private Path folder;
  private Bergenholm warm;
  private Bergenholm cold;
  private String[] hostIds;
  private int next;
  private String withStandIn;
  private java.net.InetAddress client;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    MemoryStore generated = generate(new Random(42));
    if (store.equals("file")) {
      folder = Files.createTempDirectory("bergenholm-bench");
      writeFiles(generated, folder);
      data = FileParameterStore.open(folder);
    } else {
      data = generated;
    }
    warm = Bergenholm.builder().store(data).build();
    cold = Bergenholm.builder().store(data).setting(Bergenholm.CACHE_ENABLED, "false").build();
    hostIds = data.hosts().list().toArray(new String[0]);
    for (String id : hostIds) {
      warm.ipxeScript(id);
    }
    // A served script's extra work: a boot credential signed and put in place of the stand-in
    // (twice, as the sample kickstart and installed URLs carry it).
    String standIn = warm.bootCredentials().placeholder();
    withStandIn =
        warm.ipxeScript(hostIds[0])
            + " inst.ks=http://192.0.2.1/api/1.0/templates/el.kickstart/"
            + hostIds[0]
            + "?boot_token="
            + standIn
            + " installed=?boot_token="
            + standIn;
    client = java.net.InetAddress.getByName("192.0.2.77");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    warm.close();
    cold.close();
    data.close();
    if (folder != null) {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** The records as a person would lay them out: one JSON (or template) file per record. */
  static void writeFiles(ParameterStore from, Path folder) throws IOException {
    ObjectMapper json = new ObjectMapper();
    for (String kind : List.of("hosts", "groups", "templates")) {
      Files.createDirectories(folder.resolve(kind));
    }
    for (String id : from.hosts().list()) {
      json.writeValue(
          folder.resolve("hosts").resolve(id).toFile(),
          from.hosts().get(id).orElseThrow().value().asMap());
    }
    for (String g : from.groups().list()) {
      json.writeValue(
          folder.resolve("groups").resolve(g).toFile(),
          from.groups().get(g).orElseThrow().value().asMap());
    }
    for (String t : from.templates().list()) {
      Files.writeString(
          folder.resolve("templates").resolve(t), from.templates().get(t).orElseThrow().value());
    }
  }

  private String nextHost() {
    String id = hostIds[next];
    next = (next + 1) % hostIds.length;
    return id;
  }

  @Benchmark
  public String warm() {
    return warm.ipxeScript(nextHost());
  }

  @Benchmark
  public String credential() {
    return warm.bootCredentials().issueInto(withStandIn, nextHost(), client);
  }

  @Benchmark
  public String cold() {
    return cold.ipxeScript(nextHost());
  }

  /**
   * Groups form chains: a group at level L (1..5) inherits one group of level L-1, so a host that
   * names a level-5 group inherits through 6 groups; level 0 is the site's root. Each level adds
   * parameters that refer to the levels above it.
   */
  static MemoryStore generate(Random rnd) {
    MemoryStore store = new MemoryStore();
    store.templates().create("linux.ipxe", LINUX_IPXE);
    int perLevel = GROUPS / DEPTH;
    List<List<String>> levels = new ArrayList<>();
    for (int level = 0; level < DEPTH; level++) {
      List<String> names = new ArrayList<>();
      int count = level == DEPTH - 1 ? GROUPS - perLevel * (DEPTH - 1) : perLevel;
      for (int i = 0; i < count; i++) {
        String name = "l" + level + "-g" + i;
        Map<String, Object> p = new LinkedHashMap<>();
        if (level > 0) {
          List<String> above = levels.get(level - 1);
          p.put("groups", List.of(above.get(rnd.nextInt(above.size()))));
        }
        switch (level) {
          case 0 -> {
            p.put("base_url", "http://10.0." + (i % 250) + ".1");
            p.put("ipxe_url", "{{base_url}}/ipxe");
            p.put("api_url", "{{base_url}}/api/1.0");
            p.put("installed_url", "{{api_url}}/hosts/{{uuid}}?installed=mark");
            p.put("proxy_url", "http://proxy.example.com:8080");
            p.put("ipxe_script", "linux.ipxe");
            p.put("gateway", "10.0." + (i % 250) + ".254");
            p.put("netmask", "255.255.255.0");
            p.put("nameserver", "10.0.0.53");
          }
          case 1 -> {
            p.put("mirror_host", "mirror" + i + ".example.com");
            p.put("mirror_url", "http://{{mirror_host}}/{{distro}}/{{version}}/os/{{arch}}");
            p.put("distro", "centos");
            p.put("ntp", "{{gateway}}");
          }
          case 2 -> {
            p.put("version", Integer.toString(6 + i % 3));
            p.put("image_base_url", "{{mirror_url}}/images/pxeboot");
            p.put("kickstart", "{{distro}}{{version}}.ks");
          }
          case 3 -> {
            p.put("kernel", "{{image_base_url}}/vmlinuz");
            p.put("module", "{{image_base_url}}/initrd.img");
            p.put("ks_url", "{{api_url}}/templates/{{kickstart}}/${uuid}");
            p.put("kernel_opts", "ks={{ks_url}} ip=dhcp console={{console}} {{extra_opts}}");
            p.put("console", "ttyS0,115200");
          }
          case 4 -> {
            p.put("arch", i % 2 == 0 ? "x86_64" : "aarch64");
            p.put("extra_opts", "inst.repo={{mirror_url}} nameserver={{nameserver}}");
            p.put("disks", List.of("sda", "sdb"));
            p.put("partitions", Map.of("root", "{{root_size}}", "swap", "{{swap_size}}"));
            p.put("root_size", "20480");
          }
          default -> {
            p.put("swap_size", "4096");
            p.put("rack", "r" + (i % 40));
            p.put("location", "{{rack}}-{{site}}");
            p.put("site", "dc1");
            p.put("role", "worker");
            p.put("motd", "{{hostname}} ({{role}}) in {{location}}");
          }
        }
        for (int k = 0; k < 3; k++) {
          p.put("l" + level + "_extra" + k, "value-" + level + "-" + k + "-" + i);
        }
        store.groups().create(name, Params.of(p));
        names.add(name);
      }
      levels.add(names);
    }
    List<String> leaves = levels.get(DEPTH - 1);
    for (int h = 0; h < HOSTS; h++) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("groups", List.of(leaves.get(rnd.nextInt(leaves.size()))));
      p.put("hostname", "node" + h);
      p.put("ipaddr", "10.1." + (h / 250) + "." + (h % 250));
      p.put("fqdn", "{{hostname}}.example.com");
      p.put("ipmi_host", "10.2." + (h / 250) + "." + (h % 250));
      store.hosts().create(String.format("%08x-0000-4000-8000-%012x", h, h), Params.of(p));
    }
    return store;
  }
}
