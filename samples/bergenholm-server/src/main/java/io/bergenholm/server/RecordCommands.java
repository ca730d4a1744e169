package io.bergenholm.server;

import static io.bergenholm.server.ApiClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code host}, {@code group} and {@code template}: list, show, create, update, delete. */
final class RecordCommands {
  private RecordCommands() {}

  /** What the three have in common: a collection path and how to print. */
  abstract static class Base {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    abstract String collection();

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    int printList(String query) {
      JsonNode names =
          ApiClient.parse(main.client().get("/" + collection() + "/" + query).body())
              .path(collection());
      List<String> sorted = new ArrayList<>();
      names.forEach(n -> sorted.add(n.asText()));
      sorted.sort(null);
      sorted.forEach(out()::println);
      return Main.OK;
    }

    int printJson(String path) {
      out().println(ApiClient.pretty(main.client().get(path).body()));
      return Main.OK;
    }

    int write(String method, String name, Path file, String contentType) {
      main.client()
          .send(
              method,
              "/" + collection() + "/" + segment(name),
              Optional.of(read(file)),
              contentType);
      return Main.OK;
    }

    /**
     * Replaces a record with {@code If-Match}: the entity tag given ({@code --if-match}, as {@code
     * show --etag} printed it when the record was read for editing), or else the one the record has
     * now. Either way a record changed meanwhile by someone else is answered 412 and left as it is,
     * rather than silently overwritten.
     */
    int update(String name, Path file, String contentType, String ifMatch) {
      byte[] body = read(file);
      String path = "/" + collection() + "/" + segment(name);
      String tag =
          ifMatch != null
              ? ifMatch
              : main.client()
                  .get(path)
                  .etag()
                  .orElseThrow(
                      () ->
                          new ClientException(
                              Main.UNREACHABLE,
                              "GET " + path + ": the server sent no ETag to update against"));
      String quoted = tag.startsWith("\"") ? tag : "\"" + tag + "\"";
      main.client().send("PUT", path, Optional.of(body), contentType, Map.of("If-Match", quoted));
      return Main.OK;
    }

    /**
     * Prints the entity tag of what {@code path} shows on stderr, for a later {@code update
     * --if-match}.
     */
    void printEtag(String path) {
      main.client()
          .get(path)
          .etag()
          .ifPresent(t -> spec.commandLine().getErr().println("ETag: " + t));
      spec.commandLine().getErr().flush();
    }

    int delete(String name) {
      main.client().send("DELETE", "/" + collection() + "/" + segment(name), Optional.empty(), "");
      return Main.OK;
    }

    static byte[] read(Path file) {
      try {
        return file.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(file);
      } catch (IOException e) {
        throw new ClientException(Main.USAGE, "cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(
      name = "host",
      description = "Hosts: the stored parameters of each machine, by SMBIOS UUID.")
  static final class HostCommand extends Base {
    @Override
    String collection() {
      return "hosts";
    }

    @Command(
        name = "list",
        description = "List host ids, optionally only those whose stored KEY equals VALUE.")
    int list(@Parameters(arity = "0..*", paramLabel = "KEY=VALUE") List<String> filters) {
      StringBuilder q = new StringBuilder();
      for (String f : filters == null ? List.<String>of() : filters) {
        int eq = f.indexOf('=');
        if (eq <= 0) {
          throw new ClientException(Main.USAGE, "filter '" + f + "' must be KEY=VALUE");
        }
        q.append(q.length() == 0 ? '?' : '&')
            .append(segment(f.substring(0, eq)))
            .append('=')
            .append(segment(f.substring(eq + 1)));
      }
      return printList(q.toString());
    }

    @Command(
        name = "show",
        description = "Show a host's stored parameters, or with --all its resolved ones.")
    int show(
        @Parameters(paramLabel = "ID") String id,
        @Option(names = "--all", description = "Include parameters from groups, expanded.")
            boolean all,
        @Option(
                names = "--secrets",
                description = "Show secret parameters (needs a read-write token).")
            boolean secrets,
        @Option(
                names = "--etag",
                description = "Also print the host's ETag on stderr, for 'update --if-match'.")
            boolean etag) {
      if (etag) {
        printEtag("/hosts/" + segment(id));
      }
      String q = all ? "?params=all" : "";
      if (secrets) {
        q += (q.isEmpty() ? "?" : "&") + "secrets=show";
      }
      return printJson("/hosts/" + segment(id) + q);
    }

    @Command(
        name = "events",
        description = "Show a host's boot timeline, oldest first, one line per event.")
    int events(
        @Parameters(paramLabel = "ID") String id,
        @Option(
                names = "--since",
                paramLabel = "TIME",
                description = "Only events after this RFC 3339 time.")
            String since,
        @Option(
                names = "--limit",
                paramLabel = "N",
                description = "At most the N newest events (default 100).")
            Integer limit) {
      StringBuilder q = new StringBuilder();
      if (since != null) {
        q.append("?since=").append(segment(since));
      }
      if (limit != null) {
        q.append(q.length() == 0 ? '?' : '&').append("limit=").append(limit);
      }
      JsonNode n =
          ApiClient.parse(main.client().get("/hosts/" + segment(id) + "/events" + q).body());
      n.path("events").forEach(e -> out().println(EventLines.format(e)));
      return Main.OK;
    }

    @Command(
        name = "explain",
        description = "Show where each resolved parameter of a host comes from.")
    int explain(@Parameters(paramLabel = "ID") String id) {
      JsonNode n =
          ApiClient.parse(main.client().get("/hosts/" + segment(id) + "?explain=1").body());
      int width = 0;
      for (var e : n.properties()) {
        width = Math.max(width, e.getKey().length());
      }
      int w = width;
      n.properties()
          .forEach(
              e ->
                  out()
                      .printf(
                          "%-" + w + "s  %-22s %s%n",
                          e.getKey(),
                          e.getValue().path("source").asText(),
                          text(e.getValue().path("expanded"))));
      return Main.OK;
    }

    private static String text(JsonNode n) {
      return n.isTextual() ? n.asText() : n.toString();
    }

    @Command(name = "create", description = "Create a host from a JSON file ('-' for stdin).")
    int create(
        @Parameters(paramLabel = "ID") String id, @Parameters(paramLabel = "JSONFILE") Path file) {
      return write("POST", id, file, "application/json");
    }

    @Command(
        name = "update",
        description =
            "Replace a host's parameters with a JSON file ('-' for stdin);"
                + " refused (412) if the host changed since it was read.")
    int update(
        @Parameters(paramLabel = "ID") String id,
        @Parameters(paramLabel = "JSONFILE") Path file,
        @Option(
                names = "--if-match",
                paramLabel = "ETAG",
                description = "The ETag 'show --etag' printed.")
            String ifMatch) {
      return update(id, file, "application/json", ifMatch);
    }

    @Command(name = "delete", description = "Delete a host.")
    int remove(@Parameters(paramLabel = "ID") String id) {
      return delete(id);
    }

    @Command(
        name = "installed",
        description = "Mark a host installed (boots locally) or, with --unmark, not.")
    int installed(
        @Parameters(paramLabel = "ID") String id,
        @Option(names = "--unmark", description = "Remove the mark instead.") boolean unmark) {
      main.client().get("/hosts/" + segment(id) + "?installed=" + (unmark ? "unmark" : "mark"));
      return Main.OK;
    }

    @Command(
        name = "provision",
        description =
            "Reinstall hosts: set their groups (if given), clear 'installed',"
                + " boot them from the network next, and reset them (or switch them on). Prints what was done per host.")
    int provision(
        @Parameters(paramLabel = "ID", arity = "1..*") List<String> ids,
        @Option(
                names = "--groups",
                split = ",",
                paramLabel = "GROUP",
                description =
                    "The hosts' groups afterwards,"
                        + " comma-separated (default: keep their groups).")
            List<String> groups,
        @Option(
                names = "--if-match",
                paramLabel = "ETAG",
                description =
                    "Only if the host record is still at this" + " version (one host only).")
            String ifMatch) {
      return ProvisionOutput.run(
          main.client(),
          out(),
          spec.commandLine().getErr(),
          ids,
          Optional.ofNullable(groups),
          Optional.ofNullable(ifMatch));
    }
  }

  @Command(
      name = "group",
      description = "Groups: named parameter sets that hosts and groups inherit.")
  static final class GroupCommand extends Base {
    @Override
    String collection() {
      return "groups";
    }

    @Command(name = "list", description = "List group names.")
    int list() {
      return printList("");
    }

    @Command(
        name = "show",
        description = "Show a group's parameters, or with --all its inherited ones (unexpanded).")
    int show(
        @Parameters(paramLabel = "NAME") String name,
        @Option(names = "--all", description = "Include parameters from parent groups.")
            boolean all,
        @Option(
                names = "--etag",
                description = "Also print the group's ETag on stderr, for 'update --if-match'.")
            boolean etag) {
      if (etag) {
        printEtag("/groups/" + segment(name));
      }
      return printJson("/groups/" + segment(name) + (all ? "?params=all" : ""));
    }

    @Command(name = "create", description = "Create a group from a JSON file ('-' for stdin).")
    int create(
        @Parameters(paramLabel = "NAME") String name,
        @Parameters(paramLabel = "JSONFILE") Path file) {
      return write("POST", name, file, "application/json");
    }

    @Command(
        name = "update",
        description =
            "Replace a group's parameters with a JSON file ('-' for stdin);"
                + " refused (412) if the group changed since it was read.")
    int update(
        @Parameters(paramLabel = "NAME") String name,
        @Parameters(paramLabel = "JSONFILE") Path file,
        @Option(
                names = "--if-match",
                paramLabel = "ETAG",
                description = "The ETag 'show --etag' printed.")
            String ifMatch) {
      return update(name, file, "application/json", ifMatch);
    }

    @Command(name = "delete", description = "Delete a group.")
    int remove(@Parameters(paramLabel = "NAME") String name) {
      return delete(name);
    }
  }

  @Command(
      name = "template",
      description = "Templates: iPXE scripts, kickstarts and preseeds (Jinja).")
  static final class TemplateCommand extends Base {
    @Override
    String collection() {
      return "templates";
    }

    @Command(name = "list", description = "List template names.")
    int list() {
      return printList("");
    }

    @Command(
        name = "show",
        description = "Show a template, or with --host ID rendered for that host.")
    int show(
        @Parameters(paramLabel = "NAME") String name,
        @Option(names = "--host", paramLabel = "ID", description = "Render for this host.")
            String host,
        @Option(
                names = "--etag",
                description = "Also print the template's ETag on stderr, for 'update --if-match'.")
            boolean etag) {
      if (etag) {
        printEtag("/templates/" + segment(name));
      }
      String path = "/templates/" + segment(name) + (host == null ? "" : "/" + segment(host));
      String text = main.client().get(path).body();
      out().print(text);
      if (!text.endsWith("\n")) {
        out().println();
      }
      out().flush();
      return Main.OK;
    }

    @Command(name = "create", description = "Create a template from a text file ('-' for stdin).")
    int create(
        @Parameters(paramLabel = "NAME") String name, @Parameters(paramLabel = "FILE") Path file) {
      return write("POST", name, file, "text/plain; charset=utf-8");
    }

    @Command(
        name = "update",
        description =
            "Replace a template with a text file ('-' for stdin);"
                + " refused (412) if the template changed since it was read.")
    int update(
        @Parameters(paramLabel = "NAME") String name,
        @Parameters(paramLabel = "FILE") Path file,
        @Option(
                names = "--if-match",
                paramLabel = "ETAG",
                description = "The ETag 'show --etag' printed.")
            String ifMatch) {
      return update(name, file, "text/plain; charset=utf-8", ifMatch);
    }

    @Command(name = "delete", description = "Delete a template.")
    int remove(@Parameters(paramLabel = "NAME") String name) {
      return delete(name);
    }
  }
}
