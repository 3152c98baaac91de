#!/usr/bin/env bash
# run.sh - run the ring benchmark (tools/nc2 bench [args]).
#
#   tools/bench/run.sh [nc2-bench options]   table (or --json lines)
#   tools/bench/run.sh --smoke               quick check that every ring works
#   tools/bench/run.sh --callgrind [N]       instructions per message, one
#                                            thread, under valgrind
#
# Builds build/ if the benchmark is not there yet. See docs/bench.md.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${NC2_BENCH:-$top/build/tools/bench/nc2-bench}

if [ ! -x "$bin" ]; then
	echo "nc2 bench: building $top/build" >&2
	(
		cd "$top"
		[ -f build/build.ninja ] || meson setup build >/dev/null
		ninja -C build tools/bench/nc2-bench >/dev/null
	)
fi

# Collected instructions of one single-threaded run of N messages.
irs() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bin" --single --reps 1 "$@" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# Two runs, N and 2N messages: the difference is the per-message cost
# without setup, allocation and process start.
callgrind() {
	local n=${1:-20000} impl wl b lo hi
	command -v valgrind >/dev/null || {
		echo "nc2 bench: valgrind not installed" >&2
		exit 2
	}
	printf '%-9s %-6s %5s %12s\n' impl wload batch 'instr/msg'
	for wl in 64 256 1500 mixed; do
		for b in 1 32; do
			for impl in nc2 xen_ring rte_ring; do
				lo=$(irs --impl $impl --workload $wl --batch $b --msgs $n)
				hi=$(irs --impl $impl --workload $wl --batch $b --msgs $((2 * n)))
				awk -v i=$impl -v w=$wl -v b=$b -v lo="$lo" -v hi="$hi" -v n="$n" \
					'BEGIN { printf "%-9s %-6s %5s %12.1f\n", i, w, b, (hi - lo) / n }'
			done
		done
	done
}

case "${1:-}" in
--callgrind) shift; callgrind "$@" ;;
*) exec "$bin" "$@" ;;
esac
