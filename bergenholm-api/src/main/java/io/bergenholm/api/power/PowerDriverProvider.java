package io.bergenholm.api.power;

import io.bergenholm.api.Provider;
import java.util.Set;

/** Creates {@link PowerDriver}s; {@link #name()} is the value of a host's {@code power_driver}. */
public interface PowerDriverProvider extends Provider<PowerDriver> {
  /**
   * Host parameters that hold secrets for this driver (such as {@code ipmi_password}); they are
   * masked in API answers and never logged. Parameters ending in {@code _password} are always
   * treated so.
   *
   * @return the parameter names, none by default
   */
  default Set<String> secretParameters() {
    return Set.of();
  }
}
