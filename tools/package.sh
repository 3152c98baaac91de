#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tools/package.sh - 'tools/nc2 package': the Debian packages, built with
# debhelper from debian/ into build/deb/ (NC2_DEB_DIR):
#
#   nc2-dkms        netback2 and netfront2 through DKMS (arch all)
#   libnc2ring1     the shared library (SONAME libnc2ring.so.1)
#   libnc2ring-dev  headers (/usr/include/nc2), .so link, .a, nc2ring.pc
#   nc2-utils       nc2ctl, nc2-agent.service, vif2-bridge, modules-load.d
#                   entry, man pages, /etc/nc2/domains/
#
#   tools/nc2 package [--no-dkms-check]
#
# The build runs in a copy of the tree (build/deb/src: the files git
# tracks or would track, as they are in the working tree), so the checkout
# stays clean. The version is the top-level VERSION file: this script
# writes debian/changelog from it in the copy, dh_dkms puts it into
# dkms.conf, meson and kmod/Kbuild.nc2 read it themselves.
#
# Then lintian checks the packages, and unless --no-dkms-check, the
# nc2-dkms package is built for Debian's current kernel headers as DKMS
# would (tools/lab/dkms-build.sh, nothing installed on the host). The end
# is a table of the packages, their sizes and lintian's verdict; the exit
# status is non-zero if a package is missing, lintian reports an error or
# the DKMS build fails.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
out=${NC2_DEB_DIR:-$top/build/deb}
pkgs="nc2-dkms libnc2ring1 libnc2ring-dev nc2-utils"
dkms_check=1
for a in "$@"; do
	case "$a" in
	--no-dkms-check) dkms_check=0 ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "nc2 package: unknown option $a" >&2; exit 2 ;;
	esac
done

t0=$SECONDS
stage() { printf '== nc2 package [%3ds]: %s\n' $((SECONDS - t0)) "$*" >&2; }
die() { printf '== nc2 package: FAIL: %s\n' "$*" >&2; exit 1; }

. tools/pkgs.sh

# What dpkg-buildpackage checks (debian/control's Build-Depends), lintian,
# dkms for the check, and the headers it builds against.
need="build-essential dpkg-dev debhelper dh-dkms dkms lintian meson
	ninja-build pkg-config libxen-dev"
[ $dkms_check = 1 ] && need="$need linux-headers-amd64"
stage "build dependencies"
# shellcheck disable=SC2086
missing=$(nc2_pkgs_missing $need)
if [ -n "$missing" ]; then
	stage "installing" $missing
	# shellcheck disable=SC2086
	nc2_pkgs_install $missing >/dev/null || die "apt-get install failed"
fi

version=$(tr -d ' \n' <VERSION)
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "VERSION: '$version' is not a version"

mkdir -p "$out"
# One build at a time in $out (the lab runs this too).
exec 9>"$out/.lock"
if ! flock -n 9; then
	stage "waiting for another 'tools/nc2 package' in $out"
	flock -w 1800 9 || die "$out is locked by another build for 30 min"
fi
rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo \
	"$out"/dkms-check "$out"/*.log
stage "copying the sources to ${out#"$top"/}/src"
mkdir "$out/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked and new (not ignored) files, as they are now; not what a
	# build left behind, not files deleted but not yet committed.
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | tar --null -T - -cf - | tar -xf - -C "$out/src"
	rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
	when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
else
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$out/src"
	rev="a tree without git"
	when=$(date +%s)
fi

stage "debian/changelog for version $version"
maint=$(sed -n 's/^Maintainer: *//p' debian/control)
cat >"$out/src/debian/changelog" <<EOF
nc2 ($version) bookworm; urgency=medium

  * Built by 'tools/nc2 package' from $rev.

 -- $maint  $(LC_ALL=C date -u -R -d "@$when")
EOF

stage "dpkg-buildpackage -b -us -uc (log ${out#"$top"/}/build.log)"
# No -dbgsym packages: the four are what 'apt install ./build/deb/*.deb'
# should install.
export DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}"
if ! (cd "$out/src" && dpkg-buildpackage -b -us -uc -Jauto) \
	>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed (above, full log in $out/build.log)"
fi

changes=$(ls "$out"/nc2_"${version}"_*.changes 2>/dev/null | head -n1)
[ -n "$changes" ] || die "no .changes file in $out"
stage "lintian (log ${out#"$top"/}/lintian.log)"
# Errors and warnings (and the .changes file's); exit status ours below.
lintian --tag-display-limit 0 "$changes" >"$out/lintian.log" 2>&1 || true
if grep -qE '^(internal error|.*: unknown option)' "$out/lintian.log"; then
	cat "$out/lintian.log" >&2
	die "lintian did not run"
fi

dkms_note=
if [ $dkms_check = 1 ]; then
	kv=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1 |
		sed 's/^linux-headers-//')
	deb=$(ls "$out"/nc2-dkms_"${version}"_all.deb 2>/dev/null || true)
	if [ -z "$kv" ] || [ -z "$deb" ]; then
		dkms_note="DKMS build: not run (no headers or no nc2-dkms package)"
		dkms_fail=1
	else
		stage "DKMS build of nc2-dkms for $kv (tools/lab/dkms-build.sh, log ${out#"$top"/}/dkms.log)"
		if tools/lab/dkms-build.sh "$deb" "$kv" "$out/dkms-check" \
			>"$out/dkms.log" 2>&1; then
			vm=$(modinfo -F vermagic "$out/dkms-check/netback2.ko" | cut -d' ' -f1)
			if [ "$vm" = "$kv" ]; then
				dkms_note="DKMS build for $kv: netback2.ko, netfront2.ko (vermagic $vm)"
				dkms_fail=0
			else
				dkms_note="DKMS build for $kv: wrong vermagic '$vm'"
				dkms_fail=1
			fi
		else
			tail -n 20 "$out/dkms.log" >&2
			dkms_note="DKMS build for $kv FAILED (log $out/dkms.log)"
			dkms_fail=1
		fi
	fi
fi

human() {
	awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b / 1048576;
		else printf "%.1f KiB", b / 1024 }'
}

stage "done"
bad=0
echo
printf '%-16s %-10s %-6s %10s %10s  %s\n' package version arch size installed lintian
for p in $pkgs; do
	f=$(ls "$out/${p}_${version}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ]; then
		printf '%-16s %-10s %-6s %10s %10s  %s\n' "$p" - - - - "MISSING"
		bad=1
		continue
	fi
	arch=$(dpkg-deb -f "$f" Architecture)
	isz=$(dpkg-deb -f "$f" Installed-Size)
	ne=$(grep -c "^E: $p[ :]" "$out/lintian.log" || true)
	nw=$(grep -c "^W: $p[ :]" "$out/lintian.log" || true)
	if [ "$ne" -gt 0 ]; then
		verdict="$ne error(s), $nw warning(s)"
		bad=1
	elif [ "$nw" -gt 0 ]; then
		verdict="no errors, $nw warning(s)"
	else
		verdict="clean"
	fi
	printf '%-16s %-10s %-6s %10s %10s  %s\n' "$p" "$version" "$arch" \
		"$(human "$(stat -c %s "$f")")" "$(human $((isz * 1024)))" "$verdict"
done
nce=$(grep -c '^E: nc2 (changes)\|^E: nc2 (buildinfo)' "$out/lintian.log" || true)
if [ "$nce" -gt 0 ]; then
	echo "lintian: $nce error(s) on the .changes/.buildinfo"
	bad=1
fi
if grep -qE '^[EW]: ' "$out/lintian.log"; then
	echo
	echo "lintian says:"
	grep -E '^[EW]: ' "$out/lintian.log" | sed 's/^/  /'
fi
[ -n "$dkms_note" ] && { echo; echo "$dkms_note"; }
[ "${dkms_fail:-0}" = 1 ] && bad=1
echo
echo "packages in $out; install with: apt install $out/*.deb"
if [ $bad = 1 ]; then
	echo "nc2 package: FAILED"
	exit 1
fi
echo "nc2 package: $(echo $pkgs | wc -w) packages, lintian: no errors ($((SECONDS - t0)) s)"
