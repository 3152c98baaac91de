#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dkms-build.sh - build netback2 and netfront2 from the nc2-dkms package
# for one kernel, exactly as DKMS builds them on an admin's machine, but
# without touching the host's /usr/src, /var/lib/dkms or /lib/modules.
#
#   dkms-build.sh DKMS_DEB KV OUTDIR [KERNEL_BUILD_DIR]
#
#   DKMS_DEB          build/deb/nc2-dkms_<version>_all.deb (tools/nc2 package)
#   KV                the kernel release (uname -r of the target kernel)
#   OUTDIR            gets netback2.ko and netfront2.ko
#   KERNEL_BUILD_DIR  the kernel's build tree when /lib/modules/KV/build
#                     does not name it, e.g. the lab's patched kernel,
#                     $(tools/lab/build-kernel.sh --print-dir)/build
#
# The package is unpacked with dpkg-deb -x into a scratch root, and
#   dkms build -m nc2 -v VERSION -k KV --sourcetree ROOT/usr/src
#              --dkmstree ROOT/var/lib/dkms [--kernelsourcedir DIR]
# builds there. DKMS signs the modules when it finds the kernel's
# sign-file, with a key it makes in the scratch root (an admin's DKMS
# makes /var/lib/dkms/mok.key the same way). Compressed modules are
# uncompressed into OUTDIR. NC2_DKMS_KEEP=1 keeps the scratch root.
# Exit status: 0 when both modules are in OUTDIR with KV as vermagic.
set -euo pipefail

log() { echo "dkms-build: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
fi
deb=$1 kv=$2 outdir=$3 kbuild=${4:-}
[ -f "$deb" ] || die "no package $deb"
command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms)"
if [ -n "$kbuild" ]; then
	[ -f "$kbuild/Makefile" ] && [ -f "$kbuild/.config" ] ||
		die "$kbuild is not a configured kernel build tree"
	kbuild=$(cd "$kbuild" && pwd)
else
	[ -d "/lib/modules/$kv/build" ] ||
		die "no /lib/modules/$kv/build: install linux-headers-$kv or give KERNEL_BUILD_DIR"
fi

scratch=$(mktemp -d /tmp/nc2-dkms.XXXXXX)
cleanup() {
	if [ "${NC2_DKMS_KEEP:-0}" = 1 ]; then
		log "scratch root kept: $scratch"
	else
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
root=$scratch/root

dpkg-deb -x "$deb" "$root" || die "dpkg-deb -x $deb"
conf=$(ls "$root"/usr/src/nc2-*/dkms.conf 2>/dev/null | head -n1)
[ -n "$conf" ] || die "$deb holds no /usr/src/nc2-*/dkms.conf"
ver=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$conf")
[ -n "$ver" ] && [ -d "$root/usr/src/nc2-$ver" ] ||
	die "cannot tell the version from $conf"
mkdir -p "$root/var/lib/dkms"

# Signing: the key DKMS would make in /var/lib/dkms, made in the scratch
# root instead (dkms takes these from the environment when
# /etc/dkms/framework.conf does not set them).
export mok_signing_key=$root/var/lib/dkms/mok.key
export mok_certificate=$root/var/lib/dkms/mok.pub

args=(-m nc2 -v "$ver" -k "$kv" --sourcetree "$root/usr/src"
	--dkmstree "$root/var/lib/dkms")
[ -n "$kbuild" ] && args+=(--kernelsourcedir "$kbuild")
log "dkms build ${args[*]}"
if ! dkms build "${args[@]}" >"$scratch/dkms.out" 2>&1; then
	cat "$scratch/dkms.out" >&2
	mlog=$(ls "$root"/var/lib/dkms/nc2/"$ver"/build/make.log 2>/dev/null || true)
	[ -n "$mlog" ] && tail -n 40 "$mlog" >&2
	die "dkms build failed for $kv"
fi
cat "$scratch/dkms.out" >&2

arch=$(ls "$root/var/lib/dkms/nc2/$ver/$kv/" | head -n1)
mdir=$root/var/lib/dkms/nc2/$ver/$kv/$arch/module
mkdir -p "$outdir"
for m in netback2 netfront2; do
	f=$(ls "$mdir/$m".ko* 2>/dev/null | head -n1)
	[ -n "$f" ] || die "dkms built no $m.ko*"
	case "$f" in
	*.ko) cp "$f" "$outdir/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$outdir/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$outdir/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$outdir/$m.ko" ;;
	*) die "unknown module file $f" ;;
	esac
	vm=$(modinfo -F vermagic "$outdir/$m.ko" | cut -d' ' -f1)
	[ "$vm" = "$kv" ] || die "$m.ko: vermagic '$vm', wanted '$kv'"
	log "$outdir/$m.ko: version $(modinfo -F version "$outdir/$m.ko"), vermagic $(modinfo -F vermagic "$outdir/$m.ko")"
done
