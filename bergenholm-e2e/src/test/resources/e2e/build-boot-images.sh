#!/usr/bin/env bash
# Builds the boot images the end-to-end tests install: a Debian kernel (from the distribution's
# linux-image package, downloaded once) and a small busybox initrd whose /init prints a marker,
# the kernel command line and the SMBIOS UUID, then powers the machine off.
# Usage: build-boot-images.sh OUT_DIR MARKER     Writes OUT_DIR/vmlinuz and OUT_DIR/initrd.gz.
set -euo pipefail
out=$1
marker=$2
mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -s "$out/vmlinuz" ]; then
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$pkg" ]; then
    apt-get update -q >/dev/null
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
  fi
  [ -n "$pkg" ] || { echo "no linux-image package known to apt" >&2; exit 1; }
  (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
  dpkg-deb --fsys-tarfile "$work"/"$pkg"_*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
  cp "$work"/boot/vmlinuz-* "$out/vmlinuz.tmp"
  mv "$out/vmlinuz.tmp" "$out/vmlinuz"
fi

if [ ! -s "$out/initrd.gz" ]; then
  bb=/bin/busybox
  case "$(ldd "$bb" 2>&1 || true)" in *"not a dynamic"*) ;; *) echo "$bb is not static: install busybox-static" >&2; exit 1 ;; esac
  root="$work/root"
  mkdir -p "$root"/{bin,proc,sys,dev}
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cat > "$root/init" <<INIT
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo
echo "CMDLINE: \$(/bin/busybox cat /proc/cmdline)"
echo "PRODUCT_UUID: \$(/bin/busybox cat /sys/class/dmi/id/product_uuid 2>/dev/null)"
echo "$marker"
/bin/busybox sync
/bin/busybox poweroff -f
INIT
  chmod +x "$root/init"
  mknod -m 600 "$root/dev/console" c 5 1
  (cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out/initrd.gz.tmp"
  mv "$out/initrd.gz.tmp" "$out/initrd.gz"
fi
ls -l "$out/vmlinuz" "$out/initrd.gz"
