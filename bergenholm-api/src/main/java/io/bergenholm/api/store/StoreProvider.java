package io.bergenholm.api.store;

import io.bergenholm.api.Provider;

/**
 * Creates {@link ParameterStore}s. The provider's {@link #name()} is the scheme of a store location
 * ({@code file} for {@code file:/var/lib/bergenholm}, {@code mongodb} for {@code
 * mongodb://db1,db2/bergenholm}); the whole location is passed as config key {@link #LOCATION}
 * beside any other settings.
 *
 * <p>Error contract of {@link #create}: a location or setting the provider cannot use (a malformed
 * location, a value out of range, an unknown key) is a {@link io.bergenholm.api.BadInputException}
 * naming it, with any password masked by {@link io.bergenholm.api.SecretsPolicy#maskLocation}; a
 * backing system that cannot be reached at all is an {@link
 * io.bergenholm.api.UnavailableException}. A store that can start without its backing system (and
 * reconnect later) should rather start and report unavailability per call. "Not found" and
 * "conflict" do not arise here; see {@link RecordStore} for the calls.
 */
public interface StoreProvider extends Provider<ParameterStore> {
  /** Config key holding the whole store location, such as {@code file:/var/lib/bergenholm}. */
  String LOCATION = "location";
}
