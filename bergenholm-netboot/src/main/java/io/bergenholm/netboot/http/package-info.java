/**
 * The HTTP server (Netty): the REST management API, the iPXE boot endpoints and image streaming, on
 * one listener or on separate boot and management listeners, with bearer tokens, TLS and request
 * limits. {@link io.bergenholm.netboot.http.HttpServer} starts it over an engine.
 */
package io.bergenholm.netboot.http;
