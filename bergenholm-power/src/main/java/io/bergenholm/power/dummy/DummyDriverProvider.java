package io.bergenholm.power.dummy;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import java.util.Map;

/**
 * The {@code dummy} power driver: keeps each host's power state in memory, for demonstrations,
 * tests of the REST API and machines that are switched by hand. Configuration key {@code
 * initial_state} ({@code on} by default, as the Python project's dummy reported, or {@code off}) is
 * the state of a host never switched.
 */
public final class DummyDriverProvider implements PowerDriverProvider {
  public static final String NAME = "dummy";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PowerDriver create(String name, Map<String, String> config, ProviderContext context) {
    return new DummyDriver(DummyDriver.initialState(config.get("initial_state")));
  }
}
