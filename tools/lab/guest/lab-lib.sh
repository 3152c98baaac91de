# lab-lib.sh - helpers shared by the dom0 and domU init scripts (busybox sh).
#
# Everything the host parses is one line on the console starting with
# "NC2LAB ":
#   NC2LAB STEP <text>                      progress
#   NC2LAB RESULT {json}                    one table row
#   NC2LAB CHECK PASS|FAIL|SKIP <name> [detail]
#   NC2LAB F <file>|<line>                  a guest log file, line by line
#   NC2LAB END rc=<n>                       dom0 is done
# The host side is parse_results in tools/lab/lab.sh.

export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The xenstore key names of a vif2 device and of bypass requests
# (NC2_XS_*), generated from include/nc2/xenbus.h by tools/xenbus-keys.sh;
# tools/lab/mkimages.sh puts it here. Every script that uses them sources
# this file first.
# shellcheck source=/dev/null
. /lib/nc2lab/nc2-xenbus-keys.sh

# Xenstore paths, from the header's printf formats (NC2_XS_*_PATH), so
# the scripts spell no path of their own:
#   lab_fe D [H]      guest D's vif2 H (FE); without H, all its vif2s
#   lab_be B [D [H]]  backend B's vif2 H of guest D (BE); fewer: the
#                     directory of D's devices, or of all B serves
#   lab_bypass_dir B [A C]  B's bypass request for the pair A, C, named
#                     smaller domid first as nc2ctl writes it; without
#                     a pair, the directory of all of B's requests
# shellcheck disable=SC2059
lab_fe() {
	if [ $# = 2 ]; then
		printf "$NC2_XS_FE_PATH" "$1" "$2"
	else
		printf "$NC2_XS_DOM_PATH/$NC2_XS_DEVICE_DIR/$NC2_XS_DEVICE" "$1"
	fi
}
# shellcheck disable=SC2059
lab_be() {
	case $# in
	3) printf "$NC2_XS_BE_PATH" "$1" "$2" "$3" ;;
	2) printf "$NC2_XS_BE_DOM_PATH" "$1" "$2" ;;
	*) printf "$NC2_XS_BE_ROOT_PATH" "$1" ;;
	esac
}
# shellcheck disable=SC2059
lab_bypass_dir() {
	printf "$NC2_XS_DOM_PATH/$NC2_XS_BYPASS_DIR" "$1"
	[ $# = 3 ] || return 0
	if [ "$2" -lt "$3" ]; then echo "/$2-$3"; else echo "/$3-$2"; fi
}

lab_uptime() { cut -d' ' -f1 /proc/uptime; }
lab_step() { echo "NC2LAB STEP [$(lab_uptime)] $*"; }
lab_log() { echo "NC2LAB LOG [$(lab_uptime)] $*"; }

# lab_check PASS|FAIL|SKIP NAME [DETAIL...]
lab_check() {
	local st=$1 n=$2
	shift 2
	echo "NC2LAB CHECK $st $n $*"
}

# lab_expect NAME EXPECTED_RC CMD... : run CMD, check its exit status.
lab_expect() {
	local n=$1 want=$2 rc
	shift 2
	"$@" >/tmp/expect.out 2>&1
	rc=$?
	sed 's/^/    | /' /tmp/expect.out
	if [ "$rc" = "$want" ]; then
		lab_check PASS "$n" "rc=$rc"
		return 0
	fi
	lab_check FAIL "$n" "rc=$rc, expected $want: $*"
	return 1
}

# JSON number or null.
lab_num() { [ -n "$1" ] && echo "$1" || echo null; }

# lab_result PATH DRIVER GBIT_S RTT_US CPU_PCT [STATUS]
# LAB_ROUTE, when set, is reported as "route" (which grants and copies
# carried the data).
# LAB_GTYPE1 / LAB_GTYPE12 (set by init-dom0): the guest type of domu1 and
# of the domu1-domu2 pair ("pvh", or "pv+pvh" when they differ), reported
# as "guest_type" of the rows with one guest and with two.
lab_result() {
	local gt=$LAB_GTYPE1
	case $1 in domu_to_domu*) gt=$LAB_GTYPE12 ;; esac
	echo "NC2LAB RESULT {\"path\":\"$1\",\"driver\":\"$2\",\"gbit_s\":$(lab_num "$3"),\"rtt_us\":$(lab_num "$4"),\"dom0_cpu_pct\":$(lab_num "$5"),\"status\":\"${6:-ok}\"${LAB_ROUTE:+,\"route\":\"$LAB_ROUTE\"}${LAB_EXTRA:+,$LAB_EXTRA}${gt:+,\"guest_type\":\"$gt\"}}"
}

# lab_ping DEST [COUNT] [SIZE] : prints the average RTT in microseconds;
# rc 1 if no reply came back.
lab_ping() {
	local rc
	ping -c "${2:-5}" -s "${3:-56}" -i 0.2 -W 2 "$1" >/tmp/ping.out 2>&1
	rc=$?
	sed 's/^/    | /' /tmp/ping.out >&2
	[ $rc = 0 ] || return 1
	# busybox: "round-trip min/avg/max = 0.512/1.234/3.456 ms"
	sed -n 's#.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*#\1#p' /tmp/ping.out |
		awk '{ printf "%.0f\n", $1 * 1000 }'
}

# lab_iperf SERVER SECONDS [-R] : iperf3 client; prints receiver Gbit/s.
# Bounded: a server whose guest died mid-run leaves iperf3 waiting for
# its results forever.
lab_iperf() {
	local srv=$1 t=$2 rc
	shift 2
	timeout $((t + 45)) iperf3 -c "$srv" -t "$t" -f m "$@" >/tmp/iperf.out 2>&1
	rc=$?
	tail -4 /tmp/iperf.out | sed 's/^/    | /' >&2
	[ $rc = 0 ] || return 1
	awk '/receiver/ { for (i = 1; i <= NF; i++)
			if ($i == "Mbits/sec") v = $(i - 1) }
	     END { if (v == "") exit 1; printf "%.3f\n", v / 1000 }' \
		/tmp/iperf.out
}

# dom0 CPU during a measurement.  xentop counts the time Xen charges to
# dom0's vCPUs (guest plus hypervisor work done for it); 100 = one CPU.
# Fallback: busy share of /proc/stat (dom0 kernel view), same scale.
lab_cpu_start() {
	rm -f /tmp/xentop.out
	if command -v xentop >/dev/null 2>&1; then
		xentop -b -d 1 -i 600 >/tmp/xentop.out 2>/dev/null &
		LAB_XENTOP=$!
	fi
	LAB_STAT0=$(head -1 /proc/stat)
}

lab_cpu_stop() {
	local stat1 v
	stat1=$(head -1 /proc/stat)
	if [ -n "$LAB_XENTOP" ]; then
		kill "$LAB_XENTOP" 2>/dev/null
		wait "$LAB_XENTOP" 2>/dev/null
		LAB_XENTOP=
		# skip the first sample (no previous one to diff against)
		v=$(awk '$1 == "Domain-0" { n++; if (n > 1) { s += $4; k++ } }
			END { if (k) printf "%.1f %d\n", s / k, k }' /tmp/xentop.out)
		if [ -n "$v" ]; then
			lab_log "dom0 cpu: xentop, ${v#* } samples" >&2
			echo "${v% *}"
			return 0
		fi
	fi
	lab_log "dom0 cpu: /proc/stat (xentop gave nothing)" >&2
	echo "$LAB_STAT0
$stat1" | awk '{ idle = $5 + $6; tot = 0
		for (i = 2; i <= NF; i++) tot += $i
		if (NR == 1) { i0 = idle; t0 = tot } else { i1 = idle; t1 = tot } }
		END { if (t1 > t0) printf "%.1f\n",
			100 * ((t1 - t0) - (i1 - i0)) / (t1 - t0) * '"$(nproc)"' }'
}

# lab_dump_file NAME PATH : copy a guest file to the console, line by line.
lab_dump_file() {
	[ -f "$2" ] || return 0
	sed "s#^#NC2LAB F $1|#" "$2"
}

# Interface with a given MAC address, or nothing.
lab_if_by_mac() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$1" ] &&
			basename "$d" && return 0
	done
	return 1
}

# lab_ifup MAC ADDR/PREFIX [TIMEOUT_S]: wait for the interface, set it up.
lab_ifup() {
	local i=0 ifc
	while ! ifc=$(lab_if_by_mac "$1"); do
		i=$((i + 1))
		[ $i -gt $((${3:-20} * 5)) ] && return 1
		sleep 0.2
	done
	ip addr add "$2" dev "$ifc" 2>/dev/null
	ip link set "$ifc" up
	echo "$ifc"
}

# lab_rcvbuf_errors : UDP datagrams this domain's sockets dropped for want
# of buffer so far (RcvbufErrors of /proc/net/snmp).
lab_rcvbuf_errors() {
	awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp
}
