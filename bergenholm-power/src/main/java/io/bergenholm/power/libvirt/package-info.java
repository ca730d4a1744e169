/**
 * The {@code libvirt} power driver: virtual machines of a libvirt host, booted from the network
 * once by rewriting and then restoring their boot order.
 */
package io.bergenholm.power.libvirt;
