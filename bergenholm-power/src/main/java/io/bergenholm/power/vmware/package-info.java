/**
 * The {@code vmware} power driver: vSphere virtual machines through the vSphere web services API
 * (SOAP) of a vCenter or an ESXi host.
 */
package io.bergenholm.power.vmware;
