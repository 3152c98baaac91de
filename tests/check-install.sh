#!/bin/sh
# What a PV-driver author gets from "meson install" (and so from the
# libnc2ring-dev package, debian/libnc2ring-dev.install): every public
# header of include/nc2/, each of which compiles on its own against the
# installed tree through nc2ring.pc.
set -eu
top=$1 build=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
inc=$(find "$dest" -type d -path '*/include/nc2' | head -1)
pc=$(find "$dest" -name nc2ring.pc | head -1)
[ -n "$inc" ] && [ -n "$pc" ] || {
	echo "FAIL: no include/nc2 or nc2ring.pc under the install"
	echo "install: 0 passed, 1 failed"
	exit 1
}
pass=0 fail=0
for h in "$top"/include/nc2/*.h; do
	n=$(basename "$h")
	if [ ! -f "$inc/$n" ]; then
		echo "FAIL: nc2/$n is not installed (libnc2ring/meson.build install_headers)"
		fail=$((fail + 1))
		continue
	fi
	# nc2/errno.h maps onto the platform's errno names: include those first.
	if printf '#include <errno.h>\n#include <nc2/%s>\n' "$n" |
		cc -std=c11 -Wall -Wextra -Werror -I"$(dirname "$inc")" \
			-fsyntax-only -x c - 2>/dev/null; then
		pass=$((pass + 1))
	else
		echo "FAIL: nc2/$n does not compile on its own from the install"
		fail=$((fail + 1))
	fi
done
echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
