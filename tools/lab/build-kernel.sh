#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# build-kernel.sh - builds the lab's patched guest kernel: Debian's
# linux-source-6.1 plus every patch in xen-patches/linux-6.1/, with a small
# config (x86_64_defconfig + the kernel's xen.config fragments + what the lab
# needs, minus hardware a PV guest never sees).
#
#   build-kernel.sh [--print-dir]
#
# The tree, the build and a modules root live under NC2_KERNEL_CACHE
# (default /var/cache/nc2-kernel), never in the repository. A rebuild only
# happens when the patches, this script or linux-source-6.1 change (a stamp
# keeps their hash). On success the last line is the cache directory, which
# holds:
#   vmlinuz             the bzImage (PV dom0 and domU kernel)
#   build/              the built tree: make -C build M=... modules
#   root/lib/modules/<release>/   the installed modules (depmod-ed)
#   release             the kernel release string (uname -r)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${NC2_KERNEL_CACHE:-/var/cache/nc2-kernel}
PATCHES=$REPO/xen-patches/linux-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=${NC2_KERNEL_JOBS:-$(($(nproc) + 1))}

log() { echo "build-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

[ "${1:-}" = --print-dir ] && { echo "$CACHE"; exit 0; }
[ "$(id -u)" = 0 ] || die "must run as root (apt-get)"

need="linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev
	cpio kmod xz-utils patch"
. "$REPO/tools/pkgs.sh"
missing=$(nc2_pkgs_missing $need)
if [ -n "$missing" ]; then
	log "installing" $missing
	nc2_pkgs_install $missing >&2 || die "apt-get failed"
fi
[ -f "$TARBALL" ] || die "no $TARBALL"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
stamp=$( (echo "$srcver"; cat "$0" "$PATCHES"/*.patch) | sha256sum | cut -c1-16)
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$stamp" ] &&
   [ -f "$CACHE/vmlinuz" ]; then
	log "up to date: $(cat "$CACHE/release") in $CACHE"
	echo "$CACHE"
	exit 0
fi

mkdir -p "$CACHE"
rm -rf "$CACHE/build" "$CACHE/root" "$CACHE/vmlinuz" "$CACHE/stamp" \
	"$CACHE/linux-source-6.1"
log "extracting linux-source-6.1 ($srcver)"
tar -xf "$TARBALL" -C "$CACHE"
mv "$CACHE/linux-source-6.1" "$CACHE/build"
K=$CACHE/build
for p in "$PATCHES"/*.patch; do
	log "applying $(basename "$p")"
	patch -s -p1 -d "$K" <"$p" || die "$(basename "$p") does not apply"
done

cd "$K"
make -s x86_64_defconfig >&2
make -s xen.config >&2
sc() { scripts/config --file .config "$@"; }
# What the lab's dom0 and domUs use; our modules need MODULES and v2 grants
# (no option: grant_table.version=2 on the command line selects the layout).
sc --set-str LOCALVERSION "-nc2" --disable LOCALVERSION_AUTO \
	--enable MODULES --enable MODULE_UNLOAD \
	--enable XEN_PV --enable XEN_DOM0 --enable XEN_BACKEND \
	--enable XEN_SAVE_RESTORE --enable HVC_XEN --enable XEN_BALLOON \
	--module XEN_NETDEV_BACKEND --module XEN_NETDEV_FRONTEND \
	--module XEN_DEV_EVTCHN --module XEN_GNTDEV --module XEN_GRANT_DEV_ALLOC \
	--module XEN_PRIVCMD --module XENFS --enable XEN_COMPAT_XENFS \
	--module BRIDGE --module TUN --enable BLK_DEV_INITRD --enable DEVTMPFS \
	--enable IPV6 --enable UNIX --enable TMPFS
# Hardware and subsystems a PV guest in the lab never touches.
sc --disable DRM --disable SOUND --disable USB_SUPPORT --disable WLAN \
	--disable WIRELESS --disable CFG80211 --disable MAC80211 \
	--disable HID --disable AGP --disable ATA --disable TARGET_CORE \
	--disable XEN_SCSI_BACKEND --disable XEN_SCSI_FRONTEND \
	--disable NFS_FS --disable NETWORK_FILESYSTEMS --disable MD \
	--disable INPUT_JOYSTICK --disable INPUT_TABLET \
	--disable INPUT_TOUCHSCREEN --disable FB --disable KVM \
	--disable DEBUG_INFO --disable DEBUG_INFO_DWARF5 \
	--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_BTF \
	--disable ETHERNET --disable WATCHDOG --disable XEN_WDT \
	--disable XEN_FBDEV_FRONTEND --disable INPUT_XEN_KBDDEV_FRONTEND \
	--disable XEN_PCIDEV_BACKEND --disable XEN_PCIDEV_FRONTEND \
	--disable NETFILTER --disable WIRELESS --disable RFKILL \
	--disable SECURITY_SELINUX --disable AUDIT --disable EFI
# The detectors Debian's kernel has, so that the hostile suite
# (lab.sh --hostile) sees the same classes of kernel error on both
# kernels: soft lockups, hung tasks, list and slab corruption.
sc --enable LOCKUP_DETECTOR --enable SOFTLOCKUP_DETECTOR \
	--enable DETECT_HUNG_TASK --enable DEBUG_LIST \
	--enable BUG_ON_DATA_CORRUPTION --enable SLAB_FREELIST_HARDENED \
	--enable HARDENED_USERCOPY --enable PRINTK_TIME
make -s olddefconfig >&2
for o in XEN_PV XEN_DOM0 XEN_NETDEV_BACKEND MODULES BRIDGE \
	SOFTLOCKUP_DETECTOR DETECT_HUNG_TASK DEBUG_LIST PRINTK_TIME; do
	grep -Eq "^CONFIG_$o=(y|m)" .config || die "config lost CONFIG_$o"
done

log "building with -j$JOBS (this takes a while; log $CACHE/build.log)"
if ! make -j"$JOBS" bzImage modules >"$CACHE/build.log" 2>&1; then
	tail -30 "$CACHE/build.log" >&2
	die "kernel build failed, see $CACHE/build.log"
fi
release=$(make -s kernelrelease)
make -s INSTALL_MOD_PATH="$CACHE/root" modules_install >>"$CACHE/build.log" 2>&1 ||
	die "modules_install failed"
# modules_install links build/ to the tree; the lab only needs the modules.
rm -f "$CACHE/root/lib/modules/$release/build" \
	"$CACHE/root/lib/modules/$release/source"
cp arch/x86/boot/bzImage "$CACHE/vmlinuz"
echo "$release" >"$CACHE/release"
echo "$stamp" >"$CACHE/stamp"
log "built $release in $CACHE"
echo "$CACHE"
