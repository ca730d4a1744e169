package io.bergenholm.engine.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin: its own jars first for everything, except the packages every
 * plugin must share with the engine (the Bergenholm API and the SLF4J API), which come from the
 * engine's loader. The JDK comes from the platform loader. A plugin therefore sees none of the
 * engine's libraries (Jackson, Guava, Jinjava, Netty): it brings its own versions or goes without,
 * and the engine keeps its own.
 */
final class PluginClassLoader extends URLClassLoader {
  /** Packages loaded from the engine, never from a plugin's jars. */
  static final List<String> SHARED_PACKAGES = List.of("io.bergenholm.api.", "org.slf4j.");

  static {
    registerAsParallelCapable();
  }

  private final ClassLoader engine;

  PluginClassLoader(String name, URL[] jars, ClassLoader engine) {
    super(name, jars, ClassLoader.getPlatformClassLoader());
    this.engine = engine;
  }

  static boolean shared(String className) {
    for (String prefix : SHARED_PACKAGES) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (shared(name)) {
      return engine.loadClass(name);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        try {
          // The platform loader first: a plugin cannot replace java.* and friends anyway.
          c = getParent().loadClass(name);
        } catch (ClassNotFoundException notJdk) {
          c = findClass(name);
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  @Override
  public URL getResource(String name) {
    URL own = findResource(name);
    return own != null ? own : getParent().getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    // Only the plugin's own resources: so that ServiceLoader over this loader finds this plugin's
    // providers and not the engine's again.
    return findResources(name);
  }
}
