#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kmod/build.sh - build netfront2 and netback2 against Debian 12's kernel
# headers and check them.
#
#   kmod/build.sh            build both modules (W=1, warnings are errors)
#   kmod/build.sh check      clean build with W=1 and sparse (C=2),
#                            checkpatch --strict on our sources and on
#                            xen-patches/, patch --dry-run of xen-patches/
#                            against Debian's linux-source-6.1; fails on
#                            any warning not listed in kmod/README.md
#   kmod/build.sh clean
#
# The host kernel may not be Debian's: we always build against the
# linux-headers-<ver>-amd64 that linux-headers-amd64 depends on.
# NC2_KMOD_CACHE (default /var/cache/nc2-kmod) keeps checkpatch.pl and
# the pristine grant-table sources, extracted once from linux-source-6.1.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kmod=$top/kmod
cache=${NC2_KMOD_CACHE:-/var/cache/nc2-kmod}
mode=${1:-build}
mods="netfront2 netback2"

log() { printf '== kmod: %s\n' "$*" >&2; }
die() { printf '== kmod: FAIL: %s\n' "$*" >&2; exit 1; }

. "$top/tools/pkgs.sh"

install_pkgs() {
	local missing
	missing=$(nc2_pkgs_missing "$@")
	[ -z "$missing" ] && return 0
	log "installing" $missing
	nc2_pkgs_install $missing >/dev/null
}

# Debian's current amd64 headers, whatever the host runs.
kdir() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1)
	[ -n "$dep" ] || die "cannot tell which headers linux-headers-amd64 wants"
	[ -d "/usr/src/$dep" ] || die "/usr/src/$dep missing"
	echo "/usr/src/$dep"
}

# Members of Debian's linux-source-6.1 tarball we need, extracted once.
src_members="scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch drivers/xen/grant-table.c
	include/xen/grant_table.h"

extract_source() {
	local src=$cache/linux-source-6.1 m need=0 tarball deb tmp
	for m in $src_members; do
		[ -f "$src/$m" ] || need=1
	done
	[ $need -eq 0 ] && return 0
	mkdir -p "$cache"
	tarball=/usr/src/linux-source-6.1.tar.xz
	tmp=$(mktemp -d)
	if [ ! -f "$tarball" ]; then
		# Fetch the package but do not install its 140 MB tarball.
		log "downloading linux-source-6.1 for checkpatch.pl"
		nc2_apt update -qq >/dev/null
		(cd "$tmp" && nc2_apt download -qq linux-source-6.1 >/dev/null)
		deb=$(ls "$tmp"/linux-source-6.1_*.deb)
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$tmp" ./usr/src/linux-source-6.1.tar.xz
		tarball=$tmp/usr/src/linux-source-6.1.tar.xz
	fi
	log "extracting checkpatch.pl and grant-table sources into $cache"
	# shellcheck disable=SC2086
	tar -xJf "$tarball" -C "$cache" \
		$(for m in $src_members; do echo "linux-source-6.1/$m"; done)
	rm -rf "$tmp"
}

# build KDIR "extra make args" [allowed-warning-regex]
build() {
	local kd=$1 extra=$2 allow=${3:-} m out
	for m in $mods; do
		out=$cache/build-$m.log
		log "make $m.ko against $kd (log $out)"
		# shellcheck disable=SC2086
		if ! make -C "$kd" M="$kmod/$m" W=1 KCFLAGS=-Werror $extra \
			modules >"$out" 2>&1; then
			cat "$out" >&2
			die "$m: build failed"
		fi
		# Compiler, sparse and modpost all report through this log.
		if grep -iE '(warning|error):' "$out" |
			{ if [ -n "$allow" ]; then grep -vE "$allow"; else cat; fi; } |
			grep . >&2; then
			die "$m: warnings (above)"
		fi
		[ -f "$kmod/$m/$m.ko" ] || die "$m.ko not built"
	done
}

# The patched grant_table.h, for compiling the sub-page/transitive route
# against stock headers: the pristine sources plus xen-patches/linux-6.1.
patched_overlay() {
	local kd=$1 tmp ov=$cache/overlay
	local common=${kd%-amd64}-common
	tmp=$(mktemp -d)
	mkdir -p "$tmp/drivers/xen" "$tmp/include/xen"
	cp "$cache/linux-source-6.1/drivers/xen/grant-table.c" "$tmp/drivers/xen/"
	cp "$common/include/xen/grant_table.h" "$tmp/include/xen/"
	cat "$top"/xen-patches/linux-6.1/*.patch | patch -s -p1 -d "$tmp" ||
		die "xen-patches do not apply to $common's grant_table.h"
	rm -rf "$ov"
	mkdir -p "$ov/xen"
	cp "$tmp/include/xen/grant_table.h" "$ov/xen/"
	rm -rf "$tmp"
	echo "$ov"
}

# Our sources, not the generated wrappers or Kbuild's own files.
our_sources() {
	find "$kmod" -name '*.[ch]' ! -name 'lib_*.c' ! -name 'com_*.c' \
		! -name '*.mod.c' | sort
}

# Exceptions, each justified in kmod/README.md ("checkpatch exceptions").
cp_ignore="CAMELCASE"

checkpatch() {
	local cp=$cache/linux-source-6.1/scripts/checkpatch.pl f out rc=0 p
	out=$cache/checkpatch.log
	: >"$out"
	for f in $(our_sources); do
		# stderr only carries --no-tree noise (no include/ to seed from)
		perl "$cp" --strict --no-tree --terse --show-types \
			--ignore "$cp_ignore" -f "$f" >>"$out" 2>/dev/null || rc=1
	done
	for p in "$top"/xen-patches/linux-6.1/*.patch; do
		[ -f "$p" ] || continue
		perl "$cp" --strict --no-tree --terse --show-types \
			"$p" >>"$out" 2>/dev/null || rc=1
	done
	if [ $rc -ne 0 ] || grep -qE '(ERROR|WARNING|CHECK):' "$out"; then
		cat "$out" >&2
		die "checkpatch --strict found problems (above)"
	fi
}

patch_dry_run() {
	local src=$cache/linux-source-6.1 p n=0
	for p in "$top"/xen-patches/linux-6.1/*.patch; do
		[ -f "$p" ] || continue
		patch --dry-run -p1 -d "$src" <"$p" >/dev/null ||
			die "$(basename "$p") does not apply to linux-source-6.1"
		n=$((n + 1))
	done
	echo $n
}

clean() {
	local kd=$1 m
	for m in $mods; do
		make -C "$kd" M="$kmod/$m" clean >/dev/null 2>&1 || true
	done
}

install_pkgs linux-headers-amd64 make sparse
kd=$(kdir)
mkdir -p "$cache"

case "$mode" in
build)
	build "$kd" ""
	log "built $(for m in $mods; do printf '%s ' "kmod/$m/$m.ko"; done)against $kd"
	;;
check)
	extract_source
	checkpatch
	npatch=$(patch_dry_run)
	# First the patched route (the helpers are not in this kernel, so
	# modpost may only complain about exactly them), then the stock
	# build whose modules are left in place.
	if [ "$npatch" -gt 0 ]; then
		ov=$(patched_overlay "$kd")
		clean "$kd"
		build "$kd" "C=2 CHECK=sparse NC2_GT_OVERLAY=$ov KBUILD_MODPOST_WARN=1" \
			'modpost: "gnttab_(subpage_grants_available|trans_grants_available|grant_foreign_access_subpage_ref|grant_foreign_access_trans_ref)" .* undefined'
		patched="sub-page/transitive route compiles clean (W=1, sparse)"
	fi
	clean "$kd"
	build "$kd" "C=2 CHECK=sparse"
	for m in $mods; do
		modinfo -F version "$kmod/$m/$m.ko" >/dev/null ||
			die "$m.ko has no version"
	done
	cat >&2 <<EOF
== kmod: summary
   headers     $kd
   modules     $(for m in $mods; do printf '%s(%s) ' "$m" "$(modinfo -F version "$kmod/$m/$m.ko")"; done)
   W=1         no warnings (KCFLAGS=-Werror)
   sparse      no warnings (C=2)
   checkpatch  --strict: clean (ignored: $cp_ignore, see kmod/README.md)
   xen-patches $npatch patch(es) apply to Debian linux-source-6.1; ${patched:-no patched build}
   grant route $(if grep -qs gnttab_grant_foreign_access_subpage_ref "$kd/../$(basename "$kd" | sed 's/-amd64$/-common/')/include/xen/grant_table.h"; then echo "patched headers: sub-page/transitive grants when v2 is active"; else echo "stock headers: bounce pages (TX) and backend copy (RX)"; fi)
== kmod: PASS
EOF
	;;
clean)
	clean "$kd"
	;;
*)
	echo "usage: $0 [build|check|clean]" >&2
	exit 2
	;;
esac
