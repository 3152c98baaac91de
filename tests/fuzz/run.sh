#!/usr/bin/env bash
# tests/fuzz/run.sh - build and run the libnc2ring fuzz harnesses.
#
#   run.sh smoke          each harness ~15 s over its corpus (about a minute)
#   run.sh soak MINUTES   MINUTES in all, split across harnesses; new
#                         inputs are minimised (-merge=1) into <name>/corpus
#   run.sh afl [SECONDS]  build the harnesses with afl-clang-fast (AFL++'s
#                         libFuzzer driver) and, given SECONDS, run each
#   run.sh build          only build the libFuzzer harnesses
#
# The default build uses gcc, so this configures its own clang build in
# build-fuzz/ (NC2_FUZZ_BUILD overrides). NC2_FUZZ_PARALLEL=2 runs two
# harnesses at a time. A crash, leak, timeout or broken invariant fails
# the run and leaves the reproducer in tests/fuzz/artifacts/<name>/;
# replay it with build-fuzz/tests/fuzz/fuzz_<name> FILE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
bdir=${NC2_FUZZ_BUILD:-$top/build-fuzz}
art=$here/artifacts
parallel=${NC2_FUZZ_PARALLEL:-1}
harnesses=(consumer packet link limiter flowmeter steer fwdledger)

# Largest useful input per harness: two ring pages plus a script for the
# consumer, a whole 64 KiB message for packets.
declare -A max_len=([consumer]=12288 [packet]=66000 [link]=8192
	[limiter]=4096 [flowmeter]=16384 [steer]=8192 [fwdledger]=8192)

log() { printf '== fuzz: %s\n' "$*" >&2; }

build() {
	if [ ! -f "$bdir/build.ninja" ]; then
		CC=clang meson setup "$bdir" -Dbench=disabled -Dxen=disabled \
			-Duspace=disabled -Dtests=enabled >/dev/null
	fi
	local t=()
	for n in "${harnesses[@]}"; do t+=("tests/fuzz/fuzz_$n"); done
	ninja -C "$bdir" "${t[@]}" >/dev/null
}

# run_one NAME SECONDS NEWDIR: fuzz, writing new inputs to NEWDIR only
# (libFuzzer adds to its first corpus directory), the corpus read-only.
run_one() {
	local n=$1 secs=$2 new=$3 logf rc=0 execs rate
	mkdir -p "$art/$n" "$new"
	# Own log per run, so runs side by side never mix their stats.
	logf=$(mktemp "$art/$n/run.XXXXXX")
	"$bdir/tests/fuzz/fuzz_$n" -max_total_time="$secs" \
		-max_len="${max_len[$n]}" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/$n/" \
		"$new" "$here/$n/corpus" >"$logf" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -1)
	mv "$logf" "$art/$n/last.log"
	logf=$art/$n/last.log
	printf '%s %-9s %6ss %12s execs %8s exec/s rc=%s\n' "$(date -u +%FT%TZ)" \
		"$n" "$secs" "${execs:-?}" "${rate:-?}" "$rc" |
		tee -a "$art/stats.log"
	if [ "$rc" -ne 0 ]; then
		log "$n FAILED (rc=$rc); log $logf"
		grep -E 'invariant failed|ERROR|SUMMARY|Test unit written' \
			"$logf" | head -5 >&2 || true
	fi
	return "$rc"
}

# run_all SECONDS_EACH KEEP: every harness; KEEP=1 merges new inputs.
run_all() {
	local secs=$1 keep=$2 tmp status=0 pids=() n
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	for n in "${harnesses[@]}"; do
		run_one "$n" "$secs" "$tmp/$n" &
		pids+=($!)
		if [ "${#pids[@]}" -ge "$parallel" ]; then
			wait "${pids[0]}" || status=1
			pids=("${pids[@]:1}")
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || status=1; done
	if [ "$keep" = 1 ]; then
		for n in "${harnesses[@]}"; do
			[ -d "$tmp/$n" ] || continue
			"$bdir/tests/fuzz/fuzz_$n" -merge=1 \
				-max_len="${max_len[$n]}" "$here/$n/corpus" \
				"$tmp/$n" >"$art/$n/merge.log" 2>&1 || status=1
			log "$n corpus: $(ls "$here/$n/corpus" | wc -l) inputs"
		done
	fi
	return "$status"
}

afl() {
	local secs=${1:-0} out=$bdir-afl n
	command -v afl-clang-fast >/dev/null || {
		log "afl-clang-fast missing (apt-get install afl++)"
		return 1
	}
	mkdir -p "$out"
	for n in "${harnesses[@]}"; do
		# -fsanitize=fuzzer under afl-clang-fast links libAFLDriver.
		AFL_QUIET=1 afl-clang-fast -std=gnu11 -O2 -g -fsanitize=fuzzer \
			-fno-strict-aliasing -I"$top/include" \
			"$here/fuzz_$n.c" "$top"/libnc2ring/*.c -o "$out/afl_$n"
		log "built $out/afl_$n"
	done
	[ "$secs" -gt 0 ] || return 0
	for n in "${harnesses[@]}"; do
		AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
			AFL_NO_UI=1 afl-fuzz -V "$secs" -i "$here/$n/corpus" \
			-o "$out/out_$n" -- "$out/afl_$n" >"$out/afl_$n.log" 2>&1
		log "$n: $(grep -E '^(execs_done|saved_crashes)' \
			"$out/out_$n/default/fuzzer_stats" | tr -s ' \n' ' ')"
		if [ -n "$(ls "$out/out_$n/default/crashes" 2>/dev/null |
			grep -v README)" ]; then
			log "$n: AFL++ found crashes in $out/out_$n/default/crashes"
			return 1
		fi
	done
}

cmd=${1:-smoke}
case "$cmd" in
build) build ;;
smoke)
	build
	run_all "${NC2_FUZZ_SMOKE_SECS:-15}" 0
	;;
soak)
	mins=${2:?usage: run.sh soak MINUTES}
	build
	run_all $((mins * 60 * parallel / ${#harnesses[@]})) 1
	;;
afl) afl "${2:-0}" ;;
*)
	echo "usage: $0 smoke | soak MINUTES | afl [SECONDS] | build" >&2
	exit 2
	;;
esac
