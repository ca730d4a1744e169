/**
 * The public API of Bergenholm: the value types every module shares ({@link
 * io.bergenholm.api.Params}, {@link io.bergenholm.api.Versioned}, {@link
 * io.bergenholm.api.RecordKind}), the rule for record names, the exceptions every transport maps
 * the same way (see {@link io.bergenholm.api.BergenholmException}), and {@link
 * io.bergenholm.api.Provider}, the root of the plugin SPI.
 *
 * <p>This module depends on the JDK only. A plugin compiles against it alone; the SPI of each kind
 * of plugin lives in a sub-package: {@code store}, {@code render}, {@code image} and {@code power}.
 */
package io.bergenholm.api;
