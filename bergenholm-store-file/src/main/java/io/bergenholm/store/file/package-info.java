/**
 * The {@code file:} store: one folder with {@code hosts/}, {@code groups/} and {@code templates/},
 * a JSON file per host or group and a text file per template, written atomically and watched for
 * changes made by other processes or by hand.
 */
package io.bergenholm.store.file;
