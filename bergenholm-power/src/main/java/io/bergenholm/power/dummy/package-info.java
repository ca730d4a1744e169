/** The {@code dummy} power driver: power state kept in memory, for tests and demonstrations. */
package io.bergenholm.power.dummy;
