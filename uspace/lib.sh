# shellcheck shell=bash
# Shared by demo.sh and e2e.sh: start and stop the hv daemon, the dom0
# backend and domU frontends, each domain in its own network namespace.
# Everything created is recorded and removed by nc2u_cleanup.

NC2U_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NC2U_BUILD=${NC2U_BUILD:-$NC2U_TOP/build}
NC2U_ID=$(( $$ % 10000 ))
NC2U_RUN=$(mktemp -d /tmp/nc2u.XXXXXX)
NC2U_SOCK=$NC2U_RUN/hv.sock
NS0=nc2d0-$NC2U_ID
NC2U_NETNS=()
NC2U_PIDS=()
declare -A NC2U_FRONT_PID
declare -A NC2U_FRONT_LOG
NC2U_STARTS=0

nc2u_log() { printf '== %s\n' "$*" >&2; }

# Stop every process and namespace, keep the run directory.
nc2u_teardown() {
	local p ns
	for p in "${NC2U_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in "${NC2U_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	NC2U_PIDS=()
	for ns in "${NC2U_NETNS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	NC2U_NETNS=()
}

nc2u_cleanup() {
	nc2u_teardown
	[ -n "${NC2U_KEEP:-}" ] || rm -rf "$NC2U_RUN"
}

nc2u_netns() {
	ip netns add "$1"
	NC2U_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# nc2u_wait N CMD...: poll CMD every 0.1 s, N tries times NC2U_WAIT_SCALE
# (default 6). Every wait here is for something that must happen, so a
# long limit costs nothing when things work; CI on a loaded 2-core machine
# once took more than 5 s to see a malformed packet's protocol error.
nc2u_wait() {
	local n=$(($1 * ${NC2U_WAIT_SCALE:-6}))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

nc2u_start_hv() {
	rm -f "$NC2U_SOCK"
	"$NC2U_BUILD/uspace/hv/nc2-hv" "$NC2U_SOCK" >"$NC2U_RUN/hv.log" 2>&1 &
	NC2U_PIDS+=($!)
	NC2U_HV_PID=$!
	nc2u_wait 50 test -S "$NC2U_SOCK"
}

# nc2u_start_back MODE [extra args]: dom0 with its TAP at 192.0.2.254.
nc2u_start_back() {
	local mode=$1
	shift
	ip netns list | grep -qw "$NS0" || nc2u_netns "$NS0"
	ip netns exec "$NS0" "$NC2U_BUILD/uspace/nc2-back" --hv "$NC2U_SOCK" \
		--tap nc2b0 --mode "$mode" "$@" >>"$NC2U_RUN/back.log" 2>&1 &
	NC2U_PIDS+=($!)
	NC2U_BACK_PID=$!
	nc2u_wait 50 ip -n "$NS0" link show nc2b0 || return 1
	ip -n "$NS0" link set nc2b0 address 02:00:00:00:00:fe
	ip -n "$NS0" addr add 192.0.2.254/24 dev nc2b0 2>/dev/null || true
	ip -n "$NS0" link set nc2b0 up
}

nc2u_stop_back() {
	kill "$NC2U_BACK_PID" 2>/dev/null
	wait "$NC2U_BACK_PID" 2>/dev/null || true
}

# nc2u_start_front N [extra args]: domU N in netns nc2uN-ID at 192.0.2.N.
nc2u_start_front() {
	local n=$1 ns
	shift
	ns=nc2u$n-$NC2U_ID
	NC2U_STARTS=$((NC2U_STARTS + 1))
	NC2U_FRONT_LOG[$n]=$NC2U_RUN/front$n.$NC2U_STARTS.log
	ip netns list | grep -qw "$ns" || nc2u_netns "$ns"
	ip netns exec "$ns" "$NC2U_BUILD/uspace/nc2-front" --hv "$NC2U_SOCK" \
		--tap nc2f"$n" --mac "02:00:00:00:00:$(printf %02x "$n")" "$@" \
		>"${NC2U_FRONT_LOG[$n]}" 2>&1 &
	NC2U_PIDS+=($!)
	NC2U_FRONT_PID[$n]=$!
	nc2u_wait 50 ip -n "$ns" link show nc2f"$n" || return 1
	ip -n "$ns" link set nc2f"$n" address "02:00:00:00:00:$(printf %02x "$n")"
	ip -n "$ns" addr add 192.0.2."$n"/24 dev nc2f"$n" 2>/dev/null || true
	ip -n "$ns" link set nc2f"$n" up
	# NC2U_NOWAIT: the backend is not running yet; do not wait for it.
	[ -n "${NC2U_NOWAIT:-}" ] ||
		nc2u_wait 100 grep -q connected "${NC2U_FRONT_LOG[$n]}"
}

nc2u_stop_front() {
	local p=${NC2U_FRONT_PID[$1]}
	kill "${2:--TERM}" "$p" 2>/dev/null
	wait "$p" 2>/dev/null || true
}

nc2u_ns() { echo "nc2u$1-$NC2U_ID"; }

# Backend CPU time in clock ticks (utime + stime).
nc2u_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# nc2u_iperf SRC_NS DST_NS DST_IP SECONDS: prints Gbit/s (sender side).
nc2u_iperf() {
	local src=$1 dst=$2 ip=$3 secs=$4 out
	ip netns exec "$dst" iperf3 -s -1 -D -p 5201 \
		--logfile "$NC2U_RUN/iperf-s.log" >/dev/null 2>&1
	sleep 0.3
	out=$(ip netns exec "$src" timeout $((secs + 15)) iperf3 -c "$ip" \
		-p 5201 -t "$secs" -J 2>/dev/null) || { echo 0; return 1; }
	sleep 0.2
	printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))' 2>/dev/null || echo 0
}

# nc2u_rtt NS IP: average ping RTT in microseconds.
nc2u_rtt() {
	ip netns exec "$1" ping -c 20 -i 0.01 -q "$2" 2>/dev/null |
		awk -F/ '/^rtt/ { printf "%.0f\n", $5 * 1000 }'
}
