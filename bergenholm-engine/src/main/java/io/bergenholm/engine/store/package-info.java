/**
 * The built-in {@code memory:} store, for tests and for trying Bergenholm out; nothing survives a
 * restart.
 */
package io.bergenholm.engine.store;
