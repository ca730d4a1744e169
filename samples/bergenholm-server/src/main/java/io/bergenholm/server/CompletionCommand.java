package io.bergenholm.server;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bergenholm completion}: prints a bash (and zsh, through {@code bashcompinit}) completion
 * script generated from the command definitions, so it always knows every command and flag.
 */
@Command(
    name = "completion",
    description = {
      "Print the bash/zsh completion script.",
      "Load it with: source <(bergenholm completion)"
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    String script = AutoComplete.bash("bergenholm", spec.root().commandLine());
    spec.commandLine().getOut().print(script);
    spec.commandLine().getOut().flush();
    return Main.OK;
  }
}
