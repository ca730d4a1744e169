package io.bergenholm.api.power;

import io.bergenholm.api.Provider;
import java.util.Set;

/**
 * Creates {@link PowerDriver}s; {@link #name()} is the value of a host's {@code power_driver}. The
 * engine creates one driver per name, on first use, from the settings under {@code power.<name>.}.
 *
 * <p>Error contract of {@link #create}: a setting the driver cannot use is a {@link
 * io.bergenholm.api.BadInputException} naming the key; a library or service the driver needs that
 * is missing on this machine (such as libvirt's native library) is an {@link
 * io.bergenholm.api.UnavailableException}. Management interfaces are not contacted here, so "not
 * found" and "conflict" do not arise.
 */
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
