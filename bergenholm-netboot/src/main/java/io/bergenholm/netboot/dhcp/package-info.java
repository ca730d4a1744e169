/**
 * A proxyDHCP server: answers PXE clients with boot information only (the next server and boot
 * file, or the chain script URL for a client that already runs iPXE), beside the site's own DHCP
 * server, which keeps handing out the addresses.
 */
package io.bergenholm.netboot.dhcp;
