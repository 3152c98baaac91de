# nc2-hooks.sh - where the nc2 drivers plug into the lab (busybox sh,
# sourced by init-dom0 and init-domu).
#
# The images carry the nc2 modules unless the host ran with --no-nc2
# (lab.sh refuses to run without them otherwise).  With --no-nc2 every
# nc2 row and check is reported as skipped; if the host put the modules
# in (nc2lab.nc2=1) and dom0 cannot load them, that is a failure.
#
# nc2 addresses: bridge br1 in dom0 192.0.2.129/25, domU N's vif2
# 192.0.2.(138+N)/25 with MAC 00:16:3e:00:02:0N (netchannel1 uses
# 192.0.2.0/25 on br0).

NC2_KO=/lib/nc2lab/kmod
NC2_SECS=${SECS:-8}

nc2_mac() { echo "00:16:3e:00:02:0$1"; }
nc2_ip() { echo "192.0.2.$((138 + $1))"; }

# ---- domU side ----

nc2_domu_init() {
	# Installed from the nc2-dkms package (lab.sh --lifecycle): the
	# module lives in the kernel's module tree, as on an admin's guest.
	if modprobe -q netfront2 2>/dev/null; then
		lab_log "netfront2 loaded (modprobe: $(modinfo -n netfront2 2>/dev/null))"
	elif [ -f $NC2_KO/netfront2.ko ]; then
		insmod $NC2_KO/netfront2.ko && lab_log "netfront2 loaded" ||
			lab_log "insmod netfront2 failed"
	fi
}

# nc2_domu_ifup N : configure domU N's vif2 interface (called via domu_run).
nc2_domu_ifup() {
	lab_ifup "$(nc2_mac $1)" "$(nc2_ip $1)/25" 30
}

nc2_domu_unload() {
	rmmod netfront2
}

# ---- dom0 side ----

# Sets NC2=1 when the modules and nc2ctl are all there, else NC2=0.
# NC2_NB_ARGS: netback2 module parameters (the hostile suite's stall_ms).
nc2_dom0_init() {
	local m
	NC2=0
	if [ -f /usr/lib/modules-load.d/nc2.conf ]; then
		# Installed from the packages (lab.sh --lifecycle): load what
		# the package's modules-load.d entry names, as systemd would.
		for m in $(grep -v '^#' /usr/lib/modules-load.d/nc2.conf); do
			modprobe $m || { fail "modprobe $m (nc2-dkms)"; return 1; }
		done
		lab_log "modules from the packages: $(modinfo -n netback2)"
	elif [ ! -f $NC2_KO/netback2.ko ] || [ ! -f $NC2_KO/netfront2.ko ] ||
	   ! command -v nc2ctl >/dev/null 2>&1; then
		if [ "$NC2_WANT" = 1 ]; then
			echo "NC2: modules or nc2ctl missing from the image"
			fail "nc2 modules missing"
			return 1
		fi
		echo "NC2: modules absent (--no-nc2), skipping"
		return 0
	fi
	if ! lsmod | grep -q '^netback2 ' &&
	   ! insmod $NC2_KO/netback2.ko $NC2_NB_ARGS; then
		fail "insmod netback2 $NC2_NB_ARGS"
		return 1
	fi
	brctl addbr br1
	# A fixed address: a bridge otherwise takes its ports' (netback2's
	# fe:ff:ff:ff:ff:ff) and changes it as ports come and go.
	ip link set br1 address 02:00:00:00:01:29
	ip addr add 192.0.2.129/25 dev br1
	ip link set br1 up
	NC2=1
	lab_step "NC2: netback2 loaded, bridge br1 up"
}

# nc2_attach DOMID N : vif2 handle 0 for domU N, interface configured.
nc2_attach() {
	nc2ctl --timeout 20 attach "$1" handle=0 mac="$(nc2_mac $2)" \
		bridge=br1 || return 1
	domu_run "$1" 40 nc2_domu_ifup "$2" >/dev/null
}

nc2_detach() {
	nc2ctl --timeout 10 detach "$1" 0
}

# nc2_bypass enable|disable : between domu1 and domu2; waits for status.
# nc2_bypass enable|disable [A B] : between domids A and B (default domu1
# and domu2); waits up to 30 s for the status.
nc2_bypass() {
	local want=active i=0 st dir a=${2:-$D1} b=${3:-$D2}
	[ "$1" = disable ] && want=disabled
	dir=$(lab_bypass_dir 0 "$a" "$b")
	nc2ctl bypass "$1" "$a" "$b" || return 1
	while st=$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null); [ "$st" != $want ]; do
		i=$((i + 1))
		if [ $i -gt 150 ] || [ "$st" = error ]; then
			lab_log "bypass $1: status '$st' $(xenstore-read $dir/$NC2_XS_BP_ERROR 2>/dev/null)"
			return 1
		fi
		sleep 0.2
	done
}

# ---- grant route of each measured row ----

# nc2_counters IFACE... : "subpage bounce transitive" grants the devices'
# links created so far (parent and bypass links).
nc2_counters() {
	local i
	for i in "$@"; do ethtool -S "$i" 2>/dev/null; done | awk '
		$1 ~ /^(bypass_)?tx_subpage_grants:$/ { s += $2 }
		$1 ~ /^(bypass_)?tx_bounce_pages:$/ { b += $2 }
		$1 == "tx_trans_grants:" { t += $2 }
		END { printf "%d %d %d\n", s, b, t }'
}
# vif2.<domid>.<handle> (netchannel1's are vif<domid>.<handle>).
nc2_dom0_devs() { ls /sys/class/net | grep -E '^vif2\.[0-9]+\.[0-9]+$'; }
nc2_dom0_counters() { nc2_counters $(nc2_dom0_devs); }
# nc2_stat NAME IFACE... : the sum of one ethtool -S counter.
nc2_stat() {
	local n=$1 i
	shift
	for i in "$@"; do ethtool -S "$i" 2>/dev/null; done |
		awk -v k="$n:" '$1 == k { s += $2 } END { print s + 0 }'
}
# nc2_domu_stat N NAME : in domU N (via domu_run).
nc2_domu_stat() { nc2_stat "$2" "$(lab_if_by_mac "$(nc2_mac $1)")"; }
# nc2_nonzero IFACE : its nonzero ethtool counters on one line.
nc2_nonzero() {
	ethtool -S "$1" 2>/dev/null | awk '$2 != 0 { printf "%s%s ", $1, $2 }'
	echo
}
# nc2_domu_nonzero N : in domU N (via domu_run), of its vif2 interface.
nc2_domu_nonzero() { nc2_nonzero "$(lab_if_by_mac "$(nc2_mac $1)")"; }
# nc2_domu_counters N : in domU N (via domu_run), its vif2 interface.
nc2_domu_counters() { nc2_counters "$(lab_if_by_mac "$(nc2_mac $1)")"; }

# nc2_kind "S0 B0 T0" "S1 B1 T1" : what a sender's grants were in between.
nc2_kind() {
	echo "$1 $2" | awk '{ s = $4 - $1; b = $5 - $2
		if (s > 0 && b > 0) print "subpage+bounce"
		else if (s > 0) print "subpage"
		else if (b > 0) print "bounce"
		else print "inline" }'
}

nc2_route_begin() {
	NC2_R0=$(nc2_dom0_counters)
	NC2_RU=$(domu_run "$D1" 20 nc2_domu_counters 1)
}

# nc2_route_end PATH : sets LAB_ROUTE, e.g. "tx=subpage dom0=transitive".
# tx is the sender's grant kind (dom0 for dom0_to_domu, else domu1); the
# receiver always copies. dom0= says how frames between guests crossed
# dom0: "transitive" (receiver-side copy from the sender's grants) or
# "copy" (dom0 copied them into its own pages first).
nc2_route_end() {
	local r0 ru t
	r0=$(nc2_dom0_counters)
	ru=$(domu_run "$D1" 20 nc2_domu_counters 1)
	case $1 in
	dom0_to_domu) LAB_ROUTE="tx=$(nc2_kind "$NC2_R0" "$r0")" ;;
	*) LAB_ROUTE="tx=$(nc2_kind "$NC2_RU" "$ru")" ;;
	esac
	if [ "$1" = domu_to_domu_bridge ]; then
		t=$(echo "$NC2_R0 $r0" | awk '{ print $6 - $3 }')
		[ "${t:-0}" -gt 0 ] && LAB_ROUTE="$LAB_ROUTE dom0=transitive" ||
			LAB_ROUTE="$LAB_ROUTE dom0=copy"
	fi
}

# nc2_rows STATUS : every nc2 row, unmeasured, with STATUS.
nc2_rows() {
	local p
	for p in dom0_to_domu domu_to_dom0 domu_to_domu_bridge \
		domu_to_domu_autobypass domu_to_domu_bypass; do
		lab_result $p nc2 "" "" "" "$1"
	done
}

# Full run: the same three paths over vif2, then the bypass path.
nc2_full_tests() {
	local r
	if [ "$NC2" != 1 ]; then
		if [ "$NC2_WANT" = 1 ]; then
			nc2_rows failed
			return 1
		fi
		nc2_rows skipped
		return 0
	fi
	lab_step "NC2: attach vif2 to domu1 and domu2"
	if ! nc2_attach "$D1" 1 || ! nc2_attach "$D2" 2; then
		fail "nc2 attach"
		nc2_rows failed
		return 1
	fi
	run_paths nc2 192.0.2.129 "$(nc2_ip 1)" "$(nc2_ip 2)"
	lab_step "NC2: automatic bypass domu1 <-> domu2 (no nc2ctl bypass)"
	nc2_autobypass_row
	lab_step "NC2: bypass domu1 <-> domu2"
	if nc2_bypass enable; then
		r=$(domu_run $D1 30 lab_ping "$(nc2_ip 2)" 10) ||
			fail "ping over bypass"
		LAB_EXTRA='"bypass":"manual"'
		measure domu_to_domu_bypass nc2 "$r" \
			domu_run $D1 $((SECS + 30)) lab_iperf "$(nc2_ip 2)" \
			"$SECS"
		LAB_EXTRA=
		nc2_bypass disable || fail "bypass disable"
	else
		fail "bypass enable"
		lab_result domu_to_domu_bypass nc2 "" "" "" failed
	fi
	nc2_dump_stats
	nc2_detach "$D1" || fail "nc2 detach domu1"
	nc2_detach "$D2" || fail "nc2 detach domu2"
}

# nc2_autobypass_row : a sustained flow from domu1 to domu2 through dom0
# and no nc2ctl command: netback2 must set the bypass up by itself (its
# flow meter; netback2 auto_bypass), then the row measures it. JSON:
# "bypass":"auto" and "formed_s", seconds from the flow's start to
# status active.
nc2_autobypass_row() {
	local dir i=0 st org r bg p=/sys/module/netback2/parameters
	dir=$(lab_bypass_dir 0 "$D1" "$D2")
	echo 1 >$p/auto_bypass
	domu_run $D1 $((SECS + 40)) lab_iperf "$(nc2_ip 2)" "$SECS" >/dev/null 2>&1 &
	bg=$!
	while st=$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null); [ "$st" != active ]; do
		i=$((i + 1))
		[ $i -gt $((SECS * 10 + 50)) ] && break
		sleep 0.1
	done
	wait $bg
	echo 0 >$p/auto_bypass
	org=$(xenstore-read $dir/$NC2_XS_BP_ORIGIN 2>/dev/null)
	if [ "$st" != active ] || [ "$org" != auto ]; then
		fail "no automatic bypass (status '$st', origin '$org')"
		lab_result domu_to_domu_autobypass nc2 "" "" "" failed
		return 1
	fi
	lab_log "automatic bypass: active $((i / 10)).$((i % 10)) s after the flow started"
	r=$(domu_run $D1 30 lab_ping "$(nc2_ip 2)" 10) || fail "ping over the automatic bypass"
	LAB_EXTRA="\"bypass\":\"auto\",\"formed_s\":$((i / 10)).$((i % 10))"
	measure domu_to_domu_autobypass nc2 "$r" \
		domu_run $D1 $((SECS + 30)) lab_iperf "$(nc2_ip 2)" "$SECS"
	LAB_EXTRA=
	# An admin's disable: it stays, and the manual row asks anew.
	nc2_bypass disable || fail "disable the automatic bypass"
}

# nc2_check NAME CMD... : PASS/FAIL check on a command's success.
nc2_check() {
	local n=$1
	shift
	if "$@"; then
		lab_check PASS "$n"
	else
		lab_check FAIL "$n" "$*"
	fi
}

# nc2_bridge_route : domu1 pings domu2 through dom0 with frames too big
# to go inline; with grant table v2 (patched kernel) dom0 must forward
# them through transitive grants, with v1 it must copy them.
nc2_bridge_route() {
	local before after t
	before=$(nc2_dom0_counters)
	domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 3 1400 >/dev/null || return 1
	after=$(nc2_dom0_counters)
	t=$(echo "$before $after" | awk '{ print $6 - $3 }')
	lab_log "bridge route: $t transitive grants ($GNTTAB)"
	if [ -n "$GNTTAB" ]; then
		[ "$t" -gt 0 ]
	else
		[ "$t" = 0 ]
	fi
}

# nc2_bridge_isolated : the bridge's policy holds between guests, also
# where netback2 could forward by receiver copy (patched kernel): with
# both guests' bridge ports isolated, domu1's unicast to domu2 must not
# arrive (neighbours set by hand: ARP cannot cross either). netback2
# counts what it left to the bridge for that reason in fwd_filtered.
nc2_bridge_isolated() {
	local p1=/sys/class/net/vif2.$D1.0/brport p2=/sys/class/net/vif2.$D2.0/brport
	local f0 f1 rc=0
	[ -w $p1/isolated ] && [ -w $p2/isolated ] ||
		{ lab_log "no brport/isolated for vif2.$D1.0 and vif2.$D2.0"; return 1; }
	# busybox: "ip neigh" only shows and flushes; arp -s sets.
	domu_run "$D1" 20 "arp -i \$(lab_if_by_mac $(nc2_mac 1)) -s $(nc2_ip 2) $(nc2_mac 2)" &&
		domu_run "$D2" 20 "arp -i \$(lab_if_by_mac $(nc2_mac 2)) -s $(nc2_ip 1) $(nc2_mac 1)" ||
		{ lab_log "isolated ports: cannot set the guests' neighbours"; return 1; }
	echo 1 >$p1/isolated
	echo 1 >$p2/isolated
	f0=$(nc2_stat fwd_filtered $(nc2_dom0_devs))
	domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 3 1400 >/dev/null 2>&1 &&
		{ lab_log "isolated ports: domu1's ping reached domu2"; rc=1; }
	f1=$(nc2_stat fwd_filtered $(nc2_dom0_devs))
	echo 0 >$p1/isolated
	echo 0 >$p2/isolated
	lab_log "isolated ports: nothing crossed; fwd_filtered $f0 -> $f1 (${GNTTAB:-grant v1})"
	# Receiver copy exists only with grant v2 (the patched kernel).
	[ -n "$GNTTAB" ] && [ "$f1" -le "$f0" ] && rc=1
	domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 3 1400 >/dev/null || rc=1
	return $rc
}

# nc2_drops : packets dropped because a grant copy failed, dom0 and domu2.
nc2_drops() {
	echo $(($(nc2_stat rx_drop_copy $(nc2_dom0_devs)) +
		$(domu_run "$D2" 20 nc2_domu_stat 2 rx_drop_copy)))
}

# nc2_hostile_gref : domu1 names grants it never made in two packets to
# domu2 (netfront2's test hook). Whoever copies (dom0 on v1, domu2 through
# the transitive grant on v2) must fail the copy and drop just those two;
# no link fails, and traffic flows on.
nc2_hostile_gref() {
	local d0 d1 e0 e1
	d0=$(nc2_drops)
	e0=$(nc2_stat protocol_errors $(nc2_dom0_devs))
	domu_run "$D1" 20 "echo 2 >/sys/module/netfront2/parameters/fault_inject_bad_grefs" ||
		return 1
	domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 4 1400 >/dev/null
	d1=$(nc2_drops)
	e1=$(nc2_stat protocol_errors $(nc2_dom0_devs))
	lab_log "hostile grefs: $((d1 - d0)) packets dropped, protocol errors $e0 -> $e1"
	[ $((d1 - d0)) = 2 ] && [ "$e0" = "$e1" ] &&
		domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 3 1400 >/dev/null
}

# nc2_dump_stats : every vif2 device's ethtool -S, as a log file.
nc2_dump_stats() {
	local i
	for i in $(nc2_dom0_devs); do
		echo "== $i"
		ethtool -S "$i"
	done >/tmp/nc2-dom0-ethtool.log 2>&1
	lab_dump_file nc2-dom0-ethtool.log /tmp/nc2-dom0-ethtool.log
}

# Smoke: attach, ping, detach, re-attach, ping, bypass up/down, unload.
# After the first failure the remaining steps are skipped (each would
# only wait for its own timeout), except the module unloads.
NC2_SMOKE_STEPS="attach ping detach reattach ping-again attach-domu2
	bridge-route bridge-isolated hostile-gref bypass-up bypass-ping bypass-down detach-all"
# With a third guest (--guest-type pvh or hvm: domu3 is PV), a bypass
# between domu1 and domu3 too: two guests of different types.
NC2_MIXED_STEPS="attach-domu3 bypass-mixed-up bypass-mixed-ping
	bypass-mixed-down detach-domu3"
nc2_smoke_step() {
	case $1 in
	attach|reattach) nc2_attach "$D1" 1 ;;
	ping|ping-again) lab_ping "$(nc2_ip 1)" 3 ;;
	detach) nc2_detach "$D1" ;;
	attach-domu2) nc2_attach "$D2" 2 ;;
	bridge-route) nc2_bridge_route ;;
	bridge-isolated) nc2_bridge_isolated ;;
	hostile-gref) nc2_hostile_gref ;;
	bypass-up) nc2_bypass enable ;;
	bypass-ping) domu_run "$D1" 30 lab_ping "$(nc2_ip 2)" 3 ;;
	bypass-down) nc2_bypass disable ;;
	attach-domu3) nc2_attach "$D3" 3 ;;
	bypass-mixed-up) nc2_bypass enable "$D1" "$D3" ;;
	bypass-mixed-ping) domu_run "$D1" 30 lab_ping "$(nc2_ip 3)" 3 ;;
	bypass-mixed-down) nc2_bypass disable "$D1" "$D3" ;;
	detach-domu3) nc2_detach "$D3" ;;
	detach-all) nc2_dump_stats; nc2_detach "$D1" && nc2_detach "$D2" ;;
	esac
}

nc2_smoke_tests() {
	local n failed= steps=$NC2_SMOKE_STEPS
	# The mixed pair goes before detach-all (domu1 must still be attached).
	[ -n "$D3" ] && steps=$(echo $steps | sed "s/detach-all/$(echo $NC2_MIXED_STEPS) detach-all/")
	if [ "$NC2" != 1 ]; then
		# Skipped only when asked for (--no-nc2); else a failure.
		for n in $NC2_SMOKE_STEPS unload-domu1 unload-domu2 unload; do
			if [ "$NC2_WANT" = 1 ]; then
				lab_check FAIL nc2-$n "nc2 modules did not load"
			else
				lab_check SKIP nc2-$n "--no-nc2"
			fi
		done
		return 0
	fi
	for n in $steps; do
		if [ -n "$failed" ]; then
			lab_check SKIP nc2-$n "after nc2-$failed failed"
		elif nc2_smoke_step $n; then
			lab_check PASS nc2-$n
		else
			lab_check FAIL nc2-$n
			failed=$n
		fi
	done
	if [ -n "$failed" ]; then
		# Leave nothing attached before unloading.
		nc2ctl --timeout 5 detach "$D1" 0 >/dev/null 2>&1
		nc2ctl --timeout 5 detach "$D2" 0 >/dev/null 2>&1
		[ -n "$D3" ] && nc2ctl --timeout 5 detach "$D3" 0 >/dev/null 2>&1
	fi
	nc2_check nc2-unload-domu1 domu_run "$D1" 30 nc2_domu_unload
	nc2_check nc2-unload-domu2 domu_run "$D2" 30 nc2_domu_unload
	[ -n "$D3" ] && nc2_check nc2-unload-domu3 domu_run "$D3" 30 nc2_domu_unload
	nc2_check nc2-unload rmmod netback2
}
