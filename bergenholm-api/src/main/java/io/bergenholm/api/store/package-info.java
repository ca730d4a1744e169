/**
 * The store SPI: where hosts, groups and templates live. A plugin implements {@link
 * io.bergenholm.api.store.StoreProvider} (chosen by the scheme of a store location), which creates
 * a {@link io.bergenholm.api.store.ParameterStore} of three {@link
 * io.bergenholm.api.store.RecordStore}s. The contract test suite in this module's test-jar checks
 * any implementation.
 */
package io.bergenholm.api.store;
