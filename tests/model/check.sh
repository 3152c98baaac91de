#!/usr/bin/env bash
# tests/model/check.sh - model-check the ring protocol with spin.
#
# Verifies ring.pml exhaustively (safety: assertions, invalid end states,
# and the watchdog's no-lost-wakeup check), then each mutant, which must
# fail: a model that cannot fail proves nothing. Prints states and time;
# exits non-zero on any error in the model or any mutant that passes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
model=$here/ring.pml
mutants=(NORECHECK NOMB_REARM NOMB_PUSH NOSPACE_RECHECK OVERFILL)
for t in spin gcc; do
	command -v "$t" >/dev/null || { echo "model: $t missing" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# verify NAME [-DMUTANT]: prints the summary, returns pan's error count.
verify() {
	local name=$1 dir=$work/$1 out errs
	shift
	mkdir -p "$dir"
	(cd "$dir" && spin "$@" -a "$model" >/dev/null &&
		gcc -O2 -w -DSAFETY -DCOLLAPSE -o pan pan.c)
	out=$dir/pan.out
	# -m: search depth; -E is not given, so invalid end states count.
	(cd "$dir" && timeout 600 ./pan -m1000000 >"$out" 2>&1) || true
	errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
	printf 'model %-16s errors=%s states=%s time=%ss\n' "$name" \
		"${errs:-?}" \
		"$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out")" \
		"$(sed -n 's/^pan: elapsed time \([0-9.e+]*\).*/\1/p' "$out")"
	if [ -n "${errs:-}" ] && [ "$errs" -gt 0 ]; then
		grep -m1 -E 'assertion violated|invalid end state' "$out" |
			sed 's/^/    /'
	fi
	[ -n "${errs:-}" ] || return 255
	return "$errs"
}

status=0
if verify ring; then
	echo "model: ring protocol verified"
else
	echo "model: FAILED: the ring protocol model has errors" >&2
	status=1
fi
for m in "${mutants[@]}"; do
	if verify "$m" "-D$m"; then
		echo "model: FAILED: mutant $m passed; the model cannot see it" >&2
		status=1
	fi
done
exit $status
