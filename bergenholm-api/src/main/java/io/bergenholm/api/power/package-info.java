/**
 * The power driver SPI: switching machines on and off and asking for a network boot through their
 * management interface. A plugin implements {@link io.bergenholm.api.power.PowerDriverProvider},
 * whose name is the value of a host's {@code power_driver} parameter.
 */
package io.bergenholm.api.power;
