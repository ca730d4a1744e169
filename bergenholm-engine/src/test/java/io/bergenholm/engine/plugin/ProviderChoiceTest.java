package io.bergenholm.engine.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.Params;
import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.image.ImageRequest;
import io.bergenholm.api.image.ImageSource;
import io.bergenholm.api.image.ImageSourceProvider;
import io.bergenholm.api.render.RendererProvider;
import io.bergenholm.engine.Bergenholm;
import io.bergenholm.engine.image.HttpImageSourceProvider;
import io.bergenholm.engine.store.MemoryStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which provider serves a URL scheme never depends on discovery order: a clash with a built-in
 * source is an error until configuration picks one; and a third-party renderer reads stored
 * templates through its context, as the built-in one does.
 */
class ProviderChoiceTest {
  @TempDir Path work;

  private static final String MIRROR =
      """
      package example.mirror;

      import io.bergenholm.api.ProviderContext;
      import io.bergenholm.api.UpstreamException;
      import io.bergenholm.api.image.*;
      import java.util.Map;
      import java.util.Set;

      public final class MirrorProvider implements ImageSourceProvider {
        public String name() { return "mirror"; }
        public Set<String> schemes() { return Set.of("https", "mirror"); }
        public ImageSource create(String name, Map<String, String> config, ProviderContext context) {
          return request -> { throw new UpstreamException("mirror has no " + request.uri()); };
        }
      }
      """;

  /** A renderer that replaces {@code @include NAME} lines with the stored template NAME. */
  private static final String LINE_RENDERER =
      """
      package example.lines;

      import io.bergenholm.api.ProviderContext;
      import io.bergenholm.api.render.*;
      import java.util.Map;
      import java.util.stream.Collectors;

      public final class LineRendererProvider implements RendererProvider {
        public String name() { return "lines"; }
        public TemplateRenderer create(String name, Map<String, String> config, ProviderContext context) {
          return new TemplateRenderer() {
            public String render(String template, String text, Map<String, ?> vars) {
              return text.lines().map(l -> l.startsWith("@include ")
                  ? context.storedTemplate(l.substring(9)).orElseThrow(
                      () -> new RenderException(template, 0, "no stored template " + l.substring(9)))
                  : l.replace("$uuid", String.valueOf(vars.get("uuid")))).collect(Collectors.joining("\\n"));
            }
            public boolean hasMarkup(String text) { return text.contains("@include ") || text.contains("$uuid"); }
          };
        }
      }
      """;

  private Path mirrorPlugin() throws Exception {
    Path plugins = work.resolve("plugins");
    PluginJars.build(
        work,
        plugins.resolve("mirror.jar"),
        Map.of("example.mirror.MirrorProvider", MIRROR),
        List.of(),
        Map.of(ImageSourceProvider.class.getName(), List.of("example.mirror.MirrorProvider")));
    return plugins;
  }

  @Test
  void aSchemeClaimedTwiceIsAnErrorNamingBothClassesAndJars() throws Exception {
    Path plugins = mirrorPlugin();
    assertThatThrownBy(
            () -> Bergenholm.builder().store(new MemoryStore()).pluginFolder(plugins).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("claiming 'https'")
        .hasMessageContaining(HttpImageSourceProvider.class.getName() + " (from ")
        .hasMessageContaining(
            "example.mirror.MirrorProvider (from " + plugins.resolve("mirror.jar") + ")")
        .hasMessageContaining("plugins.prefer.scheme.https");
  }

  @Test
  void configurationPicksTheOwnerOfAScheme() throws Exception {
    Path plugins = mirrorPlugin();
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(new MemoryStore())
            .pluginFolder(plugins)
            .setting("plugins.prefer.scheme.https", "example.mirror.MirrorProvider")
            .build()) {
      assertThat(engine.imageSource("https").orElseThrow().getClass().getClassLoader().getName())
          .isEqualTo("mirror");
      assertThat(engine.imageSource("mirror").orElseThrow().getClass().getClassLoader().getName())
          .isEqualTo("mirror");
      assertThat(engine.imageSource("http").orElseThrow().getClass().getClassLoader())
          .isSameAs(Bergenholm.class.getClassLoader());
    }
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(new MemoryStore())
            .pluginFolder(plugins)
            .setting("plugins.prefer.scheme.https", HttpImageSourceProvider.class.getName())
            .build()) {
      assertThat(engine.imageSource("https").orElseThrow().getClass().getClassLoader())
          .isSameAs(Bergenholm.class.getClassLoader());
      assertThat(engine.imageSource("mirror")).isPresent();
    }
  }

  @Test
  void aProviderHandedToTheBuilderOwnsItsSchemesWithoutConfiguration() throws Exception {
    ImageSource mine =
        (ImageRequest request) -> {
          throw new UnsupportedOperationException("not fetched in this test");
        };
    ImageSourceProvider given =
        new ImageSourceProvider() {
          @Override
          public String name() {
            return "mine";
          }

          @Override
          public Set<String> schemes() {
            return Set.of("https");
          }

          @Override
          public ImageSource create(
              String name, Map<String, String> config, ProviderContext context) {
            return mine;
          }
        };
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(new MemoryStore())
            .pluginFolder(mirrorPlugin())
            .addImageSource(given)
            .build()) {
      assertThat(engine.imageSource("HTTPS")).containsSame(mine);
    }
  }

  @Test
  void aThirdPartyRendererIncludesStoredTemplates() throws Exception {
    Path plugins = work.resolve("plugins");
    PluginJars.build(
        work,
        plugins.resolve("lines.jar"),
        Map.of("example.lines.LineRendererProvider", LINE_RENDERER),
        List.of(),
        Map.of(RendererProvider.class.getName(), List.of("example.lines.LineRendererProvider")));
    MemoryStore store = new MemoryStore();
    store.templates().create("head", "#!ipxe");
    store.templates().create("boot", "@include head\nchain http://x/$uuid");
    store.hosts().create("h1", Params.EMPTY);
    try (Bergenholm engine =
        Bergenholm.builder()
            .store(store)
            .pluginFolder(plugins)
            .setting("renderer", "lines")
            .build()) {
      assertThat(engine.renderTemplate("boot", "h1")).isEqualTo("#!ipxe\nchain http://x/h1");
      engine.replaceTemplate("head", "#!ipxe\necho changed", java.util.Optional.empty());
      assertThat(engine.renderTemplate("boot", "h1"))
          .isEqualTo("#!ipxe\necho changed\nchain http://x/h1");
      engine.createTemplate("broken", "@include nothing");
      assertThatThrownBy(() -> engine.renderTemplate("broken", "h1"))
          .hasMessageContaining("no stored template nothing");
    }
  }
}
