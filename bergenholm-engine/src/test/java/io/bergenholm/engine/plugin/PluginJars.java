package io.bergenholm.engine.plugin;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds plugin jars at test time: compiles Java sources with the JDK's compiler and packs the
 * classes, with service files, into a jar that is on no class path.
 */
public final class PluginJars {
  private PluginJars() {}

  /**
   * Compiles {@code sources} (class name to source text) against {@code classPath} first and the
   * test's own class path after it, and writes the classes and {@code services} (service interface
   * name to implementation class names) into {@code jar}.
   */
  public static Path build(
      Path work,
      Path jar,
      Map<String, String> sources,
      List<Path> classPath,
      Map<String, List<String>> services)
      throws IOException {
    Path src = Files.createTempDirectory(work, "src");
    Path classes = Files.createTempDirectory(work, "classes");
    List<String> options =
        List.of(
            "-d",
            classes.toString(),
            "-cp",
            joinPath(classPath) + File.pathSeparator + System.getProperty("java.class.path"));
    List<String> files = new ArrayList<>();
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, e.getValue());
      files.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    boolean compiled =
        javac
            .getTask(
                errors,
                null,
                null,
                options,
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjectsFromStrings(files))
            .call();
    if (!compiled) {
      throw new IllegalStateException("test plugin did not compile:\n" + errors);
    }
    Files.createDirectories(jar.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out)) {
      List<Path> built;
      try (Stream<Path> walk = Files.walk(classes)) {
        built = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : built) {
        j.putNextEntry(
            new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        j.write(Files.readAllBytes(f));
        j.closeEntry();
      }
      for (Map.Entry<String, List<String>> s : services.entrySet()) {
        j.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
        j.write((String.join("\n", s.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
        j.closeEntry();
      }
    }
    return jar;
  }

  private static String joinPath(List<Path> paths) {
    return String.join(File.pathSeparator, paths.stream().map(Path::toString).toList());
  }
}
