package io.bergenholm.api.store;

import io.bergenholm.api.Provider;

/**
 * Creates {@link ParameterStore}s. The provider's {@link #name()} is the scheme of a store
 * location ({@code file} for {@code file:/var/lib/bergenholm}, {@code mongodb} for {@code
 * mongodb://db1,db2/bergenholm}); the whole location is passed as config key {@link #LOCATION}
 * beside any other settings.
 */
public interface StoreProvider extends Provider<ParameterStore> {
  /** Config key holding the whole store location, such as {@code file:/var/lib/bergenholm}. */
  String LOCATION = "location";
}
