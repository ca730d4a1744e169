/**
 * The {@code mongodb:} store: hosts, groups and templates in three MongoDB collections, with
 * versions for conditional writes and a change stamp that other servers sharing the database see.
 */
package io.bergenholm.store.mongo;
