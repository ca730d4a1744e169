package io.bergenholm.engine.image;

import io.bergenholm.api.UnavailableException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * The image cache's directory: created private (0700), and refused if it already exists writable by
 * others or owned by another user (who could then swap the images this server hands out). Files in
 * it are created 0600.
 */
final class PrivateDirectory {
  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateDirectory() {}

  /** Creates {@code dir} (and missing parents) or checks the existing one. */
  static void ensure(Path dir) throws IOException {
    boolean posix =
        Files.getFileStore(existingAncestor(dir))
            .supportsFileAttributeView(PosixFileAttributeView.class);
    if (!Files.exists(dir)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        if (posix) {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
          // The umask may have taken bits away, never added any; set them exactly all the same.
          Files.setPosixFilePermissions(dir, DIRECTORY);
        } else {
          Files.createDirectory(dir);
        }
      } catch (FileAlreadyExistsException raced) {
        // created meanwhile: checked below like any existing directory
      }
    }
    if (!Files.isDirectory(dir)) {
      throw new UnavailableException("image cache " + dir + " is not a directory");
    }
    if (!posix) {
      return;
    }
    PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class);
    UserPrincipal me =
        dir.getFileSystem()
            .getUserPrincipalLookupService()
            .lookupPrincipalByName(System.getProperty("user.name"));
    if (!attrs.owner().equals(me)) {
      throw new UnavailableException(
          "image cache "
              + dir
              + " is owned by "
              + attrs.owner().getName()
              + ", not by "
              + me.getName()
              + " who runs this server; use a directory of your own ("
              + ImageSettings.CACHE_DIR
              + ")");
    }
    Set<PosixFilePermission> p = attrs.permissions();
    if (p.contains(PosixFilePermission.GROUP_WRITE)
        || p.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new UnavailableException(
          "image cache "
              + dir
              + " is writable by "
              + (p.contains(PosixFilePermission.OTHERS_WRITE) ? "everyone" : "its group")
              + " (mode "
              + PosixFilePermissions.toString(p)
              + "); make it private (chmod 700) or choose another "
              + ImageSettings.CACHE_DIR);
    }
  }

  /** The attribute that creates a file 0600 where the file system has POSIX permissions. */
  static FileAttribute<?>[] fileAttributes(Path dir) {
    try {
      if (Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)};
      }
    } catch (IOException e) {
      // fall through: no attribute, the directory's own permissions protect the file
    }
    return new FileAttribute<?>[0];
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p == null ? dir.toAbsolutePath().getRoot() : p;
  }
}
