#!/usr/bin/env bash
# tools/nc2 sim: real TCP between two userspace domUs through netchannel2
# on the hv model, path by path, against kernel veth as the upper bound.
#
#   uspace/demo.sh [--json FILE] [--secs N]
#
# For each path: hv daemon, dom0 backend (nc2-back, own netns, TAP
# 192.0.2.254) and two domUs (nc2-front, own netns, TAP 192.0.2.1/.2);
# ping RTT, then iperf3 TCP both directions. Backend CPU % is the backend
# process's utime+stime over the iperf3 runs; hv CPU % likewise for the
# hv daemon, which performs every grant copy on the callers' behalf (in
# Xen that time would be charged to the calling domain).
set -euo pipefail

. "$(dirname "$0")/lib.sh"

json=
secs=4
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	*) echo "usage: $0 [--json FILE] [--secs N]" >&2; exit 2 ;;
	esac
done

trap nc2u_cleanup EXIT
trap 'exit 130' INT TERM

for b in uspace/hv/nc2-hv uspace/nc2-back uspace/nc2-front; do
	[ -x "$NC2U_BUILD/$b" ] || { echo "demo: build first (missing $b)" >&2; exit 1; }
done
for t in iperf3 ping ip; do
	command -v $t >/dev/null || { echo "demo: $t missing" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
rows=()

# measure PATH SRC_NS DST_NS SRC_IP DST_IP BACKEND_PID HV_PID
measure() {
	local path=$1 a=$2 b=$3 ipa=$4 ipb=$5 pid=$6 hv=$7 rtt g1 g2 c0 c1 h0 h1 t0 t1
	rtt=$(nc2u_rtt "$a" "$ipb")
	c0=$( [ "$pid" -gt 0 ] && nc2u_cpu_ticks "$pid" || echo 0)
	h0=$( [ "$hv" -gt 0 ] && nc2u_cpu_ticks "$hv" || echo 0)
	t0=$(date +%s.%N)
	g1=$(nc2u_iperf "$a" "$b" "$ipb" "$secs" || true)
	g2=$(nc2u_iperf "$b" "$a" "$ipa" "$secs" || true)
	t1=$(date +%s.%N)
	c1=$( [ "$pid" -gt 0 ] && nc2u_cpu_ticks "$pid" || echo 0)
	h1=$( [ "$hv" -gt 0 ] && nc2u_cpu_ticks "$hv" || echo 0)
	# hv CPU: the model's grant copies run in the daemon, not the caller.
	rows+=("$(python3 -c "
g1, g2 = float('$g1' or 0), float('$g2' or 0)
dt = $t1 - $t0
cpu = ($c1 - $c0) / $hz / dt * 100
hv = ($h1 - $h0) / $hz / dt * 100
print('%s %.3f %s %.1f %.3f %.3f %.1f' % ('$path', (g1 + g2) / 2, '${rtt:-0}', cpu, g1, g2, hv))")")
	nc2u_log "$path: ${rows[-1]#* }"
}

nc2_path() {
	local path=$1 mode=$2
	shift 2
	nc2u_log "path $path (backend --mode $mode $*)"
	nc2u_start_hv
	nc2u_start_back "$mode" "$@"
	nc2u_start_front 1
	nc2u_start_front 2
	ip netns exec "$(nc2u_ns 1)" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null || true
	if [ "$path" = bypass ]; then
		# Sustained traffic makes the backend offer the bypass itself.
		nc2u_iperf "$(nc2u_ns 1)" "$(nc2u_ns 2)" 192.0.2.2 2 >/dev/null || true
		nc2u_wait 50 grep -q "bypass .*: active" "$NC2U_RUN/back.log" ||
			nc2u_log "bypass did not come up"
	fi
	measure "$path" "$(nc2u_ns 1)" "$(nc2u_ns 2)" 192.0.2.1 192.0.2.2 \
		"$NC2U_BACK_PID" "$NC2U_HV_PID"
	nc2u_teardown
}

veth_path() {
	local v1=nc2v1-$NC2U_ID v2=nc2v2-$NC2U_ID
	nc2u_log "path veth (kernel, upper bound)"
	nc2u_netns "$v1"
	nc2u_netns "$v2"
	ip link add nc2va-$NC2U_ID netns "$v1" type veth peer nc2vb-$NC2U_ID netns "$v2"
	ip -n "$v1" addr add 198.51.100.1/24 dev nc2va-$NC2U_ID
	ip -n "$v2" addr add 198.51.100.2/24 dev nc2vb-$NC2U_ID
	ip -n "$v1" link set nc2va-$NC2U_ID up
	ip -n "$v2" link set nc2vb-$NC2U_ID up
	measure veth "$v1" "$v2" 198.51.100.1 198.51.100.2 0 0
	nc2u_teardown
}

nc2_path backend_copy backend
nc2_path receiver_copy receiver
nc2_path bypass receiver --bypass auto --bypass-secs 1
veth_path

echo
printf '%-14s %10s %10s %14s %10s   %s\n' path Gbit/s "RTT us" "backend CPU %" "hv CPU %" "(1->2, 2->1 Gbit/s)"
for r in "${rows[@]}"; do
	set -- $r
	printf '%-14s %10s %10s %14s %10s   (%s, %s)\n' "$1" "$2" "$3" "$4" "$7" "$5" "$6"
done
python3 - "${rows[@]}" <<'PY'
import sys
rows = {r.split()[0]: r.split() for r in sys.argv[1:]}
def g(p): return float(rows[p][1]) if p in rows else 0.0
def cpu(p): return float(rows[p][3]) if p in rows else 0.0
bc = g('backend_copy')
if bc > 0:
    print('\nreceiver_copy / backend_copy throughput: %.2fx (goal >= 1.3x), '
          'backend CPU %.1f%% vs %.1f%%' % (g('receiver_copy') / bc,
          cpu('receiver_copy'), cpu('backend_copy')))
    if 'bypass' in rows:
        print('bypass / backend_copy: %.2fx (goal >= 2x)' % (g('bypass') / bc))
if g('veth') > 0:
    for p in ('backend_copy', 'receiver_copy', 'bypass'):
        if p in rows:
            print('%s / veth: %.3fx' % (p, g(p) / g('veth')))
PY
if [ -n "$json" ]; then
	: >"$json"
	for r in "${rows[@]}"; do
		set -- $r
		printf '{"path": "%s", "gbit_s": %s, "rtt_us": %s, "backend_cpu_pct": %s, "hv_cpu_pct": %s}\n' \
			"$1" "$2" "$3" "$4" "$7" >>"$json"
	done
fi
