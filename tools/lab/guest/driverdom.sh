# driverdom.sh - the lab's driver-domain suite (busybox sh, sourced by
# init-dom0 and init-domu; tools/lab/lab.sh --driver-domain).
#
# The topology Qubes runs: dom0 does not load netback2 at all. A PV guest
# "netdom" (domu3, the network domain) runs netback2, "nc2ctl devd" (hotplug where the backend
# interfaces are) and routes, with vif2-route, between two client guests
# whose vif2 backends live in it (domu1, domu2). dom0 only writes the
# toolstack's keys (nc2ctl attach ... backend=domu3). Routed network:
# 198.51.100.0/24 and 2001:db8::/64, netdom's own addresses .1 and ::1 on
# its loopback; client N is 198.51.100.1N and 2001:db8::1N, and sends
# through netdom (its link-local fe80::fcff:ffff:feff:ffff, from
# netback2's fe:ff:ff:ff:ff:ff).

DD_NET4=198.51.100
DD_NET6=2001:db8:
DD_GW6=fe80::fcff:ffff:feff:ffff

dd_ip4() { echo "$DD_NET4.1$1"; }
dd_ip6() { echo "$DD_NET6:1$1"; }

# ---- in netdom (via nc2lab.role=netdom) ----
dd_netdom_init() {
	# Bypasses here only as the policy checks ask for them.
	insmod /lib/nc2lab/kmod/netback2.ko auto_bypass=0 ||
		lab_log "insmod netback2 failed"
	# libcrc32c (an nf_tables dependency) needs a crc32c implementation,
	# a soft dependency busybox's modprobe does not follow.
	modprobe crc32c_generic
	modprobe nf_tables || lab_log "modprobe nf_tables failed"
	ip addr add "$DD_NET4.1/32" dev lo
	ip -6 addr add "$DD_NET6:1/128" dev lo
	sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	nc2ctl devd >/tmp/devd.log 2>&1 &
	lab_log "netdom: netback2, devd (pid $!), routing $DD_NET4.0/24"
}

# ---- in a client (via domu_run) ----
# dd_client_up N : address the vif2 (routed: /32 and /128, through netdom).
dd_client_up() {
	local ifc
	ifc=$(lab_ifup "$(nc2_mac $1)" "$(dd_ip4 $1)/32" 30) || return 1
	# No duplicate address detection to wait for (busybox ip has no
	# "nodad"): the addresses are the lab's own.
	sysctl -q -w "net.ipv6.conf.$ifc.accept_dad=0"
	ip -6 addr add "$(dd_ip6 $1)/128" dev "$ifc"
	ip route add "$DD_NET4.1" dev "$ifc"
	ip route add "$DD_NET4.0/24" via "$DD_NET4.1" dev "$ifc"
	ip -6 route add "$DD_NET6:/64" via $DD_GW6 dev "$ifc"
	echo "$ifc"
}

# dd_spoof N FAMILY : from client N, send from an address that is not its
# own (IPv4 198.51.100.77, IPv6 2001:db8::77) to netdom; rc 0 when
# nothing came back (what must happen).
dd_spoof() {
	local ifc
	ifc=$(lab_if_by_mac "$(nc2_mac $1)") || return 2
	if [ "$2" = 6 ]; then
		ip -6 addr add "$DD_NET6:77/128" dev "$ifc"
		! ping6 -c 3 -W 2 -I "$DD_NET6:77" "$DD_NET6:1" >/dev/null 2>&1
	else
		ip addr add "$DD_NET4.77/32" dev "$ifc"
		! ping -c 3 -W 2 -I "$DD_NET4.77" "$DD_NET4.1" >/dev/null 2>&1
	fi
}

# dd_spoof_drops VIF : in netdom, packets the spoof rules of VIF dropped.
dd_spoof_drops() {
	nft list chain inet nc2 spoof 2>/dev/null |
		awk -v v="\"$1\"" '$0 ~ v { for (i = 1; i < NF; i++)
			if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

# dd_spoof_to N DEST : from client N, ping DEST from 198.51.100.77, an
# address not its own; rc 0 when nothing came back.
dd_spoof_to() {
	local ifc rc
	ifc=$(lab_if_by_mac "$(nc2_mac $1)") || return 2
	ip addr add "$DD_NET4.77/32" dev "$ifc"
	! ping -c 3 -W 2 -I "$DD_NET4.77" "$2" >/dev/null 2>&1
	rc=$?
	ip addr del "$DD_NET4.77/32" dev "$ifc"
	return $rc
}

# ---- in dom0 ----
dd_check() {
	local name=$1 rc=0
	shift
	if "$@"; then
		lab_check PASS "dd-$name" "$DD_DETAIL"
	else
		lab_check FAIL "dd-$name" "$DD_DETAIL"
		rc=1
	fi
	DD_DETAIL=
	return $rc
}

# dd_attach N : client N's vif2, backend in netdom, routed, named vif2rN.
dd_attach() {
	timeout 90 nc2ctl --timeout 30 attach "domu$1" backend=domu3 handle=0 \
		mac="$(nc2_mac $1)" ip="$(dd_ip4 $1) $(dd_ip6 $1)" \
		gateway="$DD_NET4.1" vifname="vif2r$1" \
		script=/etc/xen/scripts/vif2-route || return 1
	# devd in netdom runs the script: wait for its hotplug-status.
	local i=0 be
	be=$(lab_be "$DN" "$(xl domid domu$1)" 0)
	while [ "$(xenstore-read $be/$NC2_XS_HOTPLUG_STATUS 2>/dev/null)" != connected ]; do
		i=$((i + 1))
		[ $i -gt 150 ] && DD_DETAIL="hotplug-status '$(xenstore-read $be/$NC2_XS_HOTPLUG_STATUS 2>/dev/null)'" && return 1
		sleep 0.2
	done
	DD_DETAIL="backend in domain $DN, hotplug by devd there"
	domu_run "$(xl domid domu$1)" 60 dd_client_up $1 >/dev/null
}

# dd_bp_wait WANT... : the bypass request domu1-domu2 in netdom settles in
# one of the statuses WANT (within 40 s); prints "STATUS [error text]".
dd_bp_wait() {
	local dir=$DD_BP i=0 st w
	while :; do
		st=$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null)
		for w in "$@"; do
			[ "$st" = "$w" ] && break 2
		done
		i=$((i + 1))
		[ $i -gt 200 ] && break
		sleep 0.2
	done
	echo "${st:-no-status} $(xenstore-read $dir/$NC2_XS_BP_ERROR 2>/dev/null)"
}

# dd_bypass_policy : netdom's bypass policy (docs/xenbus.md 5) for the
# pair domu1-domu2: refused under the routed default (none), up once both
# allow each other, torn down when one withdraws; routed traffic flows
# throughout.
dd_bypass_policy() {
	local st d1=$1 d2=$2
	DD_BP=$(lab_bypass_dir "$DN" "$d1" "$d2")
	nc2ctl bypass enable domu1 domu2 backend=domu3 >/dev/null
	st=$(dd_bp_wait error active)
	DD_DETAIL="routed default bypass-allow=none: $st"
	dd_check bypass-refused-by-default eval 'case "$st" in "error bypass-allow"*) true ;; *) false ;; esac'

	nc2ctl bypass allow domu1 domu2 backend=domu3 >/dev/null &&
		nc2ctl bypass allow domu2 domu1 backend=domu3 >/dev/null &&
		nc2ctl bypass enable domu1 domu2 backend=domu3 >/dev/null
	st=$(dd_bp_wait active error)
	DD_DETAIL="both allow each other: $st"
	dd_check bypass-allowed-up eval '[ "${st%% *}" = active ]'

	# Selected by IP (protocol 10.5): domu1 sends to netdom's MAC, for
	# domu2's addresses; the frames take the bypass, netdom sees none.
	local t0 t1 r0 r1 f0 f1
	sleep 2	# the bypass link's own handshake
	t0=$(domu_run "$d1" 20 nc2_domu_stat 1 bypass_tx_packets)
	r0=$(domu_run "$DN" 20 nc2_stat net_rx_packets vif2r1)
	dd_ping "$d1" "$(dd_ip4 2)" && dd_ping6 "$d1" "$(dd_ip6 2)"
	t1=$(domu_run "$d1" 20 nc2_domu_stat 1 bypass_tx_packets)
	r1=$(domu_run "$DN" 20 nc2_stat net_rx_packets vif2r1)
	DD_DETAIL="IPv4+IPv6 pings: domu1 bypass_tx_packets +$((t1 - t0)), netdom's vif2r1 received +$((r1 - r0))"
	dd_check bypass-by-ip-carries eval '[ $((t1 - t0)) -ge 6 ] && [ $((r1 - r0)) -lt 6 ]'
	local g
	g=$(domu_run "$d1" 40 lab_iperf "$(dd_ip4 2)" 3)
	DD_DETAIL="${g:-failed} Gbit/s domu1 -> domu2 over the bypass; through netdom ${DD_ROUTED:-?}$(
		[ -n "$g" ] && [ -n "$DD_ROUTED" ] && awk -v a="$g" -v b="$DD_ROUTED" 'BEGIN { if (b > 0) printf " (%.2fx)", a / b }')"
	dd_check iperf-bypass eval "[ -n '$g' ] && [ '$g' != 0.000 ]"
	# The anti-spoofing rule holds on the bypass: domu2 drops it.
	f0=$(domu_run "$d2" 20 nc2_domu_stat 2 bypass_rx_drop_filter)
	dd_check bypass-spoof-nothing-back domu_run "$d1" 40 dd_spoof_to 1 "$(dd_ip4 2)"
	f1=$(domu_run "$d2" 20 nc2_domu_stat 2 bypass_rx_drop_filter)
	DD_DETAIL="domu2 dropped $((f1 - f0)) spoofed frames from the bypass"
	dd_check bypass-spoof-dropped eval '[ $((f1 - f0)) -ge 3 ]'

	nc2ctl bypass allow domu2 none backend=domu3 >/dev/null
	st=$(dd_bp_wait disabled error)
	DD_DETAIL="domu2 withdrew (bypass-allow=none): $st"
	dd_check bypass-withdrawn-down eval 'case "$st" in "disabled bypass-allow withdrawn"*) true ;; *) false ;; esac'
	DD_DETAIL="routed path after the bypass went"
	dd_check client-to-client-after-bypass dd_ping "$d1" "$(dd_ip4 2)"
}

dd_ping() { # DOMID DEST
	local r
	r=$(domu_run "$1" 40 lab_ping "$2" 3) || return 1
	DD_DETAIL="rtt ${r}us"
}

dd_ping6() { # DOMID DEST
	domu_run "$1" 40 ping6 -c 3 -W 3 "$2" >/dev/null
}

dd_suite() {
	local d1 d2 n0 n1 out
	DN=$(xl domid domu3 2>/dev/null)
	d1=$(xl domid domu1)
	d2=$(xl domid domu2)
	lab_step "driver domain: network domain domu3 is $DN; clients $d1, $d2"
	DD_DETAIL="dom0 has no netback2 loaded"
	dd_check dom0-no-backend [ ! -d /sys/module/netback2 ]
	DD_DETAIL="netback2 and devd in netdom"
	if ! dd_check netdom-ready domu_run "$DN" 30 \
		'[ -d /sys/module/netback2 ] && pidof nc2ctl >/dev/null'; then
		lab_log "network domain's console:"
		tail -40 /var/log/xen/console/guest-domu3.log | sed 's/^/    | /'
		domu_run "$DN" 20 '{ cat /tmp/devd.log; lsmod; ls /sys/module | grep -c back; pidof nc2ctl; } 2>&1 | tr "\n" "|"' |
			tr '|' '\n' | sed 's/^/    | /'
		return 1
	fi

	dd_check attach-domu1 dd_attach 1
	dd_check attach-domu2 dd_attach 2
	out=$(domu_run "$DN" 20 'ls /sys/class/net | tr "\n" " "')
	DD_DETAIL="netdom's interfaces: $out"
	dd_check vifname eval 'echo " $out " | grep -q " vif2r1 .*vif2r2 \| vif2r2 .*vif2r1 "'

	dd_check client-to-netdom dd_ping "$d1" "$DD_NET4.1"
	dd_check client-to-client dd_ping "$d1" "$(dd_ip4 2)"
	DD_DETAIL="2001:db8::11 -> 2001:db8::12"
	dd_check client-to-client-ipv6 dd_ping6 "$d1" "$(dd_ip6 2)"
	out=$(domu_run "$d1" 40 lab_iperf "$(dd_ip4 2)" 3)
	DD_ROUTED=$out
	DD_DETAIL="${out:-failed} Gbit/s domu1 -> domu2 through netdom"
	dd_check iperf-client-to-client eval "[ -n '$out' ] && [ '$out' != 0.000 ]"

	dd_bypass_policy "$d1" "$d2"

	n0=$(domu_run "$DN" 20 dd_spoof_drops vif2r1)
	dd_check spoof-ipv4-nothing-back domu_run "$d1" 40 dd_spoof 1 4
	dd_check spoof-ipv6-nothing-back domu_run "$d1" 40 dd_spoof 1 6
	n1=$(domu_run "$DN" 20 dd_spoof_drops vif2r1)
	DD_DETAIL="netdom dropped $((n1 - n0)) spoofed packets from vif2r1"
	dd_check spoof-dropped [ "$((n1 - n0))" -ge 6 ]

	# (netchannel1's vifs are vif<domid>.<handle>: vif2.0 is domu2's.)
	out=$(domu_run "$DN" 20 nc2_stat net_rx_packets vif2r1 vif2r2)
	DD_DETAIL="no backend/$NC2_XS_DEVICE in dom0; the network domain's vif2 received $out packets"
	dd_check no-nc2-in-dom0 eval "! xenstore-exists $(lab_be 0) && [ '${out:-0}' -gt 0 ]"

	nc2ctl --timeout 20 detach domu1 0 >/dev/null 2>&1
	local i=0
	while domu_run "$DN" 20 'nft list chain inet nc2 spoof | grep -q "\"vif2r1\""' >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 30 ] && break
		sleep 1
	done
	DD_DETAIL="devd ran offline: vif2r1's routes and rules gone"
	dd_check detach-offline eval "[ $i -le 30 ] && ! xenstore-exists $(lab_be "$DN" "$d1" 0)"
	nc2ctl --timeout 20 detach domu2 0 >/dev/null 2>&1
	lab_step "driver domain: devd log"
	domu_run "$DN" 20 'cat /tmp/devd.log | tr "\n" "|"' | tr '|' '\n' | sed 's/^/    | /'
}
