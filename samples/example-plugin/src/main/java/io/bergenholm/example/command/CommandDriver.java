package io.bergenholm.example.command;

import io.bergenholm.api.BadInputException;
import io.bergenholm.api.NotFoundException;
import io.bergenholm.api.UpstreamException;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs the operator's program once per call; see {@link CommandDriverProvider}. */
final class CommandDriver implements PowerDriver {
  /** Output kept from the program: enough for a status word and an error line. */
  private static final int MAX_OUTPUT = 64 * 1024;

  private final Optional<String> defaultProgram;
  private final Duration timeout;

  CommandDriver(Optional<String> defaultProgram, Duration timeout) {
    this.defaultProgram = defaultProgram;
    this.timeout = timeout;
  }

  @Override
  public PowerState status(PowerTarget target) {
    String out = run(target, "status").trim();
    return switch (out) {
      case "on" -> PowerState.ON;
      case "off" -> PowerState.OFF;
      default -> PowerState.UNKNOWN;
    };
  }

  @Override
  public void perform(PowerTarget target, PowerAction action) {
    run(target, action.wireName());
  }

  private String run(PowerTarget target, String action) {
    String program =
        target
            .optional("power_command")
            .filter(s -> !s.isEmpty())
            .or(() -> defaultProgram)
            .orElseThrow(
                () ->
                    new BadInputException(
                        "host '"
                            + target.hostId()
                            + "': parameter 'power_command' is required by the command power driver"));
    ProcessBuilder pb = new ProcessBuilder(List.of(program, action, target.hostId()));
    Map<String, String> env = pb.environment();
    env.put("BERGENHOLM_HOST_ID", target.hostId());
    env.put("BERGENHOLM_ACTION", action);
    target
        .params()
        .asMap()
        .forEach(
            (key, value) -> {
              if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                env.put(
                    "BERGENHOLM_PARAM_" + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"),
                    value.toString());
              }
            });
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UpstreamException(
          "host '"
              + target.hostId()
              + "': cannot run power command '"
              + program
              + "': "
              + e.getMessage(),
          e);
    }
    try {
      p.getOutputStream().close(); // the program gets an empty standard input
    } catch (IOException e) {
      // it has exited already; its status tells the rest
    }
    // Both pipes are drained at once so that a program filling one of them cannot block.
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()), CommandDriver::reader);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), CommandDriver::reader);
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new UpstreamException(
            "host '"
                + target.hostId()
                + "': power command '"
                + program
                + " "
                + action
                + "' did not finish within "
                + timeout.toMillis()
                + " ms");
      }
      String stdout = out.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String stderr = err.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      int status = p.exitValue();
      if (status == 4) {
        throw new NotFoundException(
            "host known to power command '" + program + "'", target.hostId());
      }
      if (status != 0) {
        throw new UpstreamException(
            "host '"
                + target.hostId()
                + "': power command '"
                + program
                + " "
                + action
                + "' failed with status "
                + status
                + ": "
                + lastLine(stderr));
      }
      return stdout;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UpstreamException("interrupted while running power command '" + program + "'", e);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new UpstreamException(
          "host '"
              + target.hostId()
              + "': cannot read the output of '"
              + program
              + "': "
              + e.getMessage(),
          e);
    }
  }

  private static void reader(Runnable task) {
    Thread t = new Thread(task, "power-command-output");
    t.setDaemon(true);
    t.start();
  }

  private static String read(InputStream in) {
    try (in) {
      byte[] kept = in.readNBytes(MAX_OUTPUT);
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return new String(kept, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    return last.isEmpty() ? "(no message on standard error)" : last;
  }
}
