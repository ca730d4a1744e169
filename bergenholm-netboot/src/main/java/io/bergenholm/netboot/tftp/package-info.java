/**
 * A TFTP server (RFC 1350 with the blksize, tsize, timeout and windowsize options) for the iPXE
 * binaries that PXE firmware loads first, and for a generated {@code boot.ipxe}.
 */
package io.bergenholm.netboot.tftp;
