#!/bin/sh
# SPDX-License-Identifier: MIT
# xenbus-keys.sh HEADER - the xenstore key names of include/nc2/xenbus.h
# as shell assignments (NC2_XS_FOO=foo), so that the hotplug scripts and
# the lab read the same names as the C code: the header stays the one
# source. meson runs it at build time (nc2-xenbus-keys.sh, installed
# beside vif2-bridge); tools/lab/mkimages.sh runs it for the lab images.
# Every "#define NC2_XS_*" must be a plain string of [A-Za-z0-9%/_.-],
# which needs no quoting in shell; anything else is an error.
set -eu
hdr=${1:?usage: xenbus-keys.sh include/nc2/xenbus.h}
[ -r "$hdr" ] || { echo "xenbus-keys.sh: cannot read $hdr" >&2; exit 1; }
echo "# nc2-xenbus-keys.sh - the xenstore keys of a vif2 device and of bypass"
echo "# requests, generated from include/nc2/xenbus.h by tools/xenbus-keys.sh"
echo "# (do not edit). Sourced by vif2-bridge, vif2-route and the lab scripts."
echo "# shellcheck disable=SC2034"
awk '
/^#define[ \t]+NC2_XS_/ {
	# Anchored at the end too: "a" NC2_XS_B "c" must fail, not yield "a".
	if ($0 !~ /^#define[ \t]+NC2_XS_[A-Z0-9_]+[ \t]+"[A-Za-z0-9%\/_.-]+"[ \t]*(\/\*.*\*\/[ \t]*)?$/) {
		printf "%s:%d: not a plain key name: %s\n", FILENAME, FNR, \
			$0 >"/dev/stderr"
		bad = 1
		next
	}
	v = $0
	sub(/^[^"]*"/, "", v)
	sub(/".*$/, "", v)
	printf "%s=%s\n", $2, v
	n++
}
END {
	if (bad || !n)
		exit 1
}' "$hdr"
