package io.bergenholm.power;

import io.bergenholm.api.ProviderContext;
import io.bergenholm.api.power.PowerAction;
import io.bergenholm.api.power.PowerDriver;
import io.bergenholm.api.power.PowerDriverProvider;
import io.bergenholm.api.power.PowerState;
import io.bergenholm.api.power.PowerTarget;
import io.bergenholm.engine.Bergenholm;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An engine with an in-memory store whose power driver of one name is the test's own real driver
 * instance, so that the test can look at the same simulator state the engine changed. It records
 * the actions the engine asked for and lets the test look at the machine just before each one.
 */
public final class EngineHarness {
  /** Called before the driver performs an action. */
  public interface Before {
    void accept(PowerAction action, PowerTarget target) throws Exception;
  }

  public final List<String> actions = new CopyOnWriteArrayList<>();
  public final Bergenholm engine;

  public EngineHarness(String name, PowerDriver driver, Before before) {
    PowerDriver observed =
        new PowerDriver() {
          @Override
          public PowerState status(PowerTarget target) {
            return driver.status(target);
          }

          @Override
          public void perform(PowerTarget target, PowerAction action) {
            try {
              before.accept(action, target);
            } catch (Exception e) {
              throw new AssertionError("looking at the machine before " + action + " failed", e);
            }
            actions.add(target.hostId() + " " + action.wireName());
            driver.perform(target, action);
          }
        };
    engine =
        Bergenholm.builder()
            .setting(Bergenholm.STORE, "memory:")
            .addPowerDriver(
                new PowerDriverProvider() {
                  @Override
                  public String name() {
                    return name;
                  }

                  @Override
                  public PowerDriver create(
                      String chosenName, Map<String, String> config, ProviderContext context) {
                    return observed;
                  }
                })
            .build();
  }

  public EngineHarness(String name, PowerDriver driver) {
    this(name, driver, (a, t) -> {});
  }
}
