#!/usr/bin/env bash
# Builds the boot images the end-to-end tests install: a Debian kernel (from the distribution's
# linux-image package, downloaded once) and a small busybox initrd that plays the installer:
# it prints the kernel command line and the SMBIOS UUID; if the command line carries
# e2e.installed=URL it brings up the network card (virtio-net, with the kernel's own modules),
# takes an address by DHCP and calls URL, as a kickstart's %post calls the host's installed_url;
# then it prints a marker and powers the machine off.
# Usage: build-boot-images.sh OUT_DIR MARKER
# Writes OUT_DIR/vmlinuz, OUT_DIR/modules/*.ko (of that kernel) and OUT_DIR/initrd.gz.
set -euo pipefail
out=$1
marker=$2
mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Load order: each module after the ones it depends on.
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"

have_modules() {
  for m in $modules; do [ -s "$out/modules/$m.ko" ] || return 1; done
}

if [ ! -s "$out/vmlinuz" ] || ! have_modules; then
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$pkg" ]; then
    apt-get update -q >/dev/null
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
  fi
  [ -n "$pkg" ] || { echo "no linux-image package known to apt" >&2; exit 1; }
  (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
  dpkg-deb --fsys-tarfile "$work"/"$pkg"_*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*' \
    './lib/modules/*/kernel/drivers/virtio/*.ko' './lib/modules/*/kernel/drivers/net/*failover.ko' \
    './lib/modules/*/kernel/drivers/net/virtio_net.ko' './lib/modules/*/kernel/net/core/failover.ko'
  rm -rf "$out/modules.tmp" && mkdir -p "$out/modules.tmp"
  for m in $modules; do
    find "$work/lib/modules" -name "$m.ko" -exec cp {} "$out/modules.tmp/" \;
    [ -s "$out/modules.tmp/$m.ko" ] || { echo "$pkg has no $m.ko" >&2; exit 1; }
  done
  cp "$work"/boot/vmlinuz-* "$out/vmlinuz.tmp"
  rm -rf "$out/modules" && mv "$out/modules.tmp" "$out/modules"
  mv "$out/vmlinuz.tmp" "$out/vmlinuz"
  rm -f "$out/initrd.gz"
fi

if [ ! -s "$out/initrd.gz" ]; then
  bb=/bin/busybox
  case "$(ldd "$bb" 2>&1 || true)" in *"not a dynamic"*) ;; *) echo "$bb is not static: install busybox-static" >&2; exit 1 ;; esac
  root="$work/root"
  mkdir -p "$root"/{bin,proc,sys,dev,lib/modules}
  cp "$bb" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$out"/modules/*.ko "$root/lib/modules/"
  cat > "$root/bin/dhcp-event" <<'EVENT'
#!/bin/sh
# udhcpc's event script: configure the offered address, nothing else.
case "$1" in
  bound|renew) /bin/busybox ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up ;;
esac
EVENT
  chmod +x "$root/bin/dhcp-event"
  # Written as is, then the marker and the module list are filled in.
  cat > "$root/init" <<'INIT'
#!/bin/sh
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo
echo "CMDLINE: $($bb cat /proc/cmdline)"
echo "PRODUCT_UUID: $($bb cat /sys/class/dmi/id/product_uuid 2>/dev/null)"
url=$($bb sed -n 's/.*e2e\.installed=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$url" ]; then
  for m in @MODULES@; do $bb insmod /lib/modules/$m.ko; done
  $bb ip link set lo up
  $bb ip link set eth0 up
  # A plain HTTP/1.0 GET through nc (busybox's static wget crashes in this initrd). The request
  # side stays open for 2 s: a client that half-closes right after its request may lose the answer.
  hostport=${url#http://}
  hostport=${hostport%%/*}
  path=/${url#http://*/}
  host=${hostport%:*}
  port=${hostport##*:}
  [ "$port" = "$hostport" ] && port=80
  status=
  if $bb udhcpc -i eth0 -n -q -f -t 5 -T 2 -s /bin/dhcp-event >/dev/null 2>&1; then
    status=$({ printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport"; $bb sleep 2; } \
      | $bb nc -w 20 "$host" "$port" | $bb head -n 1 | $bb tr -d '\r')
  fi
  case "$status" in
    "HTTP/1."?" 2"*) echo "INSTALLED-CALLED: $url ($status)" ;;
    *) echo "INSTALLED-FAILED: $url (${status:-no answer})" ;;
  esac
fi
echo "@MARKER@"
$bb sync
$bb poweroff -f
INIT
  sed -i "s|@MODULES@|$modules|; s|@MARKER@|$marker|" "$root/init"
  chmod +x "$root/init"
  mknod -m 600 "$root/dev/console" c 5 1
  (cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out/initrd.gz.tmp"
  mv "$out/initrd.gz.tmp" "$out/initrd.gz"
fi
ls -l "$out/vmlinuz" "$out/initrd.gz" "$out/modules"
