/**
 * Streaming boot images to clients from the image cache: ranges, zero-copy file regions, and one
 * slow client never holding back another.
 */
package io.bergenholm.netboot.http.image;
