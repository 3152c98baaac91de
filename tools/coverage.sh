#!/usr/bin/env bash
# tools/coverage.sh - line and branch coverage of libnc2ring.
#
# Configures build-coverage/ (gcc, b_coverage), runs the unit tests, the
# XSA tests and every fuzz corpus through the plain-main() replay drivers
# (tests/fuzz/replay.c, the same harness code libFuzzer runs), then
# reports coverage of libnc2ring/ only with gcovr. Reports; never fails
# on a low number (a failing test still fails the script).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bdir=${NC2_COVERAGE_BUILD:-$top/build-coverage}
cd "$top"

if [ ! -f "$bdir/build.ninja" ]; then
	CC=gcc meson setup "$bdir" -Db_coverage=true -Dbuildtype=debug \
		-Dbench=disabled -Dxen=disabled -Duspace=disabled \
		-Dtests=enabled >/dev/null
fi
ninja -C "$bdir" >"$bdir/ninja.log" 2>&1 ||
	{ tail -20 "$bdir/ninja.log" >&2; exit 1; }
# Counts from an earlier run would inflate this one.
find "$bdir" -name '*.gcda' -delete
suites=(--suite unit --suite fuzz)
if meson test -C "$bdir" --list 2>/dev/null | grep -c '^nc2:xsa / ' >/dev/null; then
	suites+=(--suite xsa)
else
	echo "coverage: no xsa suite (tests/meson.build lacks subdir('xsa'))" >&2
fi
meson test -C "$bdir" --num-processes 2 "${suites[@]}" >/dev/null ||
	{ echo "coverage: tests failed; see $bdir/meson-logs/testlog.txt" >&2
	  exit 1; }

echo "== libnc2ring coverage (unit + xsa tests + fuzz corpora)"
gcov_args=(-r "$top" --filter "$top/libnc2ring/" --object-directory "$bdir"
	--exclude-unreachable-branches)
gcovr "$bdir" "${gcov_args[@]}" --print-summary
echo "== branches"
gcovr "$bdir" "${gcov_args[@]}" --branches | tail -n +4
