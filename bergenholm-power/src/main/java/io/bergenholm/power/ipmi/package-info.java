/**
 * The {@code ipmi} power driver: IPMI v2.0 over RMCP+ (LAN+), written against the specification,
 * with the chassis control and boot-device commands.
 */
package io.bergenholm.power.ipmi;
