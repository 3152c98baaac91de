# lifecycle.sh - the lab's lifecycle suite (busybox sh, sourced by
# init-dom0; tools/lab/lab.sh --lifecycle).
#
# What an admin does, and nothing more: the NICs are declared once in
# /etc/nc2/domains/<name>.cfg, the agent runs as nc2-agent.service would
# run it, and the guests come and go with xl alone (create, reboot, save
# and restore, migrate to localhost, destroy).  After each step: the
# vif2 is Connected for the new domid with nobody having run nc2ctl
# attach, traffic flows (ping and iperf3 from dom0 to the guest's vif2),
# and nothing of the old domid is left in xenstore (backend/vif2 of every
# domain, its device/vif2, bypass requests naming it).  One CHECK line per
# step; lab.sh counts them into "lab lifecycle: N passed, M failed".

LC_DIR=/etc/nc2/domains
LC_LOG=/var/log/nc2-agent.log

# Guest kernel command line additions: the guest configures its vif2
# itself whenever one appears (as its own network config would).
lc_domu_extra() {
	echo "nc2lab.vif2mac=$(nc2_mac $1) nc2lab.vif2ip=$(nc2_ip $1)/25"
}

# lc_setup: declare both guests' NICs, start the agent the way the
# package's unit starts it (its ExecStart line), before any xl create.
lc_setup() {
	local unit=/lib/systemd/system/nc2-agent.service cmd
	mkdir -p $LC_DIR
	for n in 1 2 3; do
		cat >$LC_DIR/domu$n.cfg <<EOF
# domu$n's nc2 NICs (nc2-domain.cfg(5))
vif2 = [ 'mac=$(nc2_mac $n),bridge=br1' ]
EOF
	done
	if [ -f $unit ]; then
		cmd=$(sed -n 's/^ExecStart=//p' $unit | head -1)
		lab_log "agent from $unit: $cmd"
	else
		cmd="nc2ctl agent"
		lab_log "agent: no $unit in the image, running '$cmd'"
	fi
	# shellcheck disable=SC2086
	$cmd >$LC_LOG 2>&1 &
	LC_AGENT=$!
	sleep 1
	if kill -0 $LC_AGENT 2>/dev/null; then
		lab_step "lifecycle: agent running (pid $LC_AGENT)"
	else
		lab_check FAIL lifecycle-agent-start "$(tail -3 $LC_LOG | tr '\n' ' ')"
		fail "nc2 agent did not start"
	fi
}

# domu1 (PV) goes through create, reboot, save + restore and destroy;
# domu3 (PVH) through create and migrate. Debian's Xen is built without
# shadow paging, so it cannot track a PV guest's dirty pages and no PV
# guest can be live-migrated there (xc: "Failed to enable logdirty",
# netchannel1 alike); a PVH guest migrates with HAP's log-dirty.
lc_domid() { xl domid domu$1 2>/dev/null; }

# lc_new_domid N OLD TIMEOUT_S : wait for domuN to exist with a domid
# other than OLD; prints it.
lc_new_domid() {
	local i=0 d
	while :; do
		d=$(lc_domid $1)
		[ -n "$d" ] && [ "$d" != "$2" ] && echo "$d" && return 0
		i=$((i + 1))
		[ $i -gt $(($3 * 5)) ] && return 1
		sleep 0.2
	done
}

# lc_connected D : vif2 D/0 Connected on both ends within 90 s.
lc_connected() {
	local i=0
	while [ "$(xenstore-read "$(lab_be 0 "$1" 0)/$NC2_XS_STATE" 2>/dev/null)" != 4 ] ||
	      [ "$(xenstore-read "$(lab_fe "$1" 0)/$NC2_XS_STATE" 2>/dev/null)" != 4 ]; do
		i=$((i + 1))
		[ $i -gt 450 ] && return 1
		sleep 0.2
	done
}

# lc_traffic N [IPERF3_ARGS] : domuN answers on its vif2 (it may still be setting its
# address: up to 60 s for the first reply), then ping and iperf3.
# Prints "rtt=..us ..Gbit/s".
lc_traffic() {
	local i=0 r g ip
	ip=$(nc2_ip $1)
	shift
	while ! ping -c 1 -W 1 $ip >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 60 ] && echo "no reply from $ip" && return 1
		sleep 0.5
	done
	r=$(lab_ping $ip 5) || { echo "ping lost"; return 1; }
	g=$(lab_iperf $ip 3 "$@") || { echo "iperf3 failed"; return 1; }
	echo "rtt=${r}us ${g}Gbit/s"
}

# lc_stats N D : both ends' nonzero counters, for the log.
lc_stats() {
	lab_log "dom0 vif2.$2.0: $(nc2_nonzero vif2.$2.0)"
	lab_log "domu$1 vif2: $(domu_run $2 20 nc2_domu_nonzero $1)"
}

# lc_leftovers D : what xenstore still holds for domid D (empty: clean).
lc_leftovers() {
	local b p
	for b in $(xenstore-list $NC2_XS_LOCAL_DOMAIN 2>/dev/null); do
		xenstore-exists "$(lab_be "$b" "$1")" 2>/dev/null &&
			echo "backend/$NC2_XS_DEVICE/$1 in domain $b"
		for p in $(xenstore-list "$(lab_bypass_dir "$b")" 2>/dev/null); do
			case "-$p-" in *-$1-*) echo "bypass $p in domain $b" ;; esac
		done
	done
	p=$(lab_fe "$1")
	xenstore-exists "$p" 2>/dev/null && echo "$p"
}

# lc_clean D : wait up to 30 s for D's leftovers to go; prints them if not.
lc_clean() {
	local i=0 left
	while left=$(lc_leftovers "$1"); [ -n "$left" ]; do
		i=$((i + 1))
		[ $i -gt 150 ] && echo "$left" | tr '\n' ';' && return 1
		sleep 0.2
	done
}

# lc_step NAME N OLD DETAIL : after a lifecycle step, domuN must have a
# vif2 Connected under its new domid, pass traffic, and (when OLD is
# given) nothing of OLD may be left. Sets LC_D.
lc_step() {
	local name=$1 n=$2 old=$3 what=$4 d t left
	if ! d=$(lc_new_domid $n "$old" 300); then
		lab_check FAIL "lifecycle-$name" "$what: domu$n did not come back"
		return 1
	fi
	# A guest that reset while it booted (init-dom0's domu_wait) is back
	# under a new domid: follow it once, and say so.
	if ! lc_connected "$d" && t=$(lc_domid $n) && [ -n "$t" ] && [ "$t" != "$d" ]; then
		lab_log "domu$n reset while booting (domid $d -> $t); following it"
		d=$t
	fi
	if ! lc_connected "$d"; then
		lab_check FAIL "lifecycle-$name" "$what: domid $d, vif2 not Connected" \
			"(backend $(xenstore-read "$(lab_be 0 "$d" 0)/$NC2_XS_STATE" 2>/dev/null)," \
			"frontend $(xenstore-read "$(lab_fe "$d" 0)/$NC2_XS_STATE" 2>/dev/null))"
		return 1
	fi
	LC_D=$d
	if ! t=$(lc_traffic $n); then
		lab_check FAIL "lifecycle-$name" "$what: domid $d, $t"
		lc_stats $n $d
		return 1
	fi
	if [ -n "$old" ] && ! left=$(lc_clean "$old"); then
		lab_check FAIL "lifecycle-$name" "$what: domid $d, $t; left of $old: $left"
		return 1
	fi
	lab_check PASS "lifecycle-$name" "$what: domu$n domid ${old:+$old -> }$d, vif2 Connected, $t${old:+, nothing left of $old}"
}

lc_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# lc_move_bypass N HOW NAME : issue #15 item 4. domuN streams to domu2
# (nc2-seq, 1500 numbered datagrams a second, UDP 7001) until netback2's
# automatic bypass between them is up (no command); then HOW moves domuN
# with the bypass up: "save" (xl save + xl restore) or "migrate" (xl
# migrate to localhost). Checked: lifecycle-NAME (domuN back under a new
# domid, Connected, traffic, nothing of the old domid left, the bypass
# included), lifecycle-NAME-reformed (the bypass forms again by itself
# under the new domid), lifecycle-NAME-stream (the stream to domu2 never
# stopped for longer than the move itself, plus 2 s; what came out of
# order or not at all is reported). The receiver's datagrams per second
# and the moments of the move go to timeline-NAME.txt in the lab's logs
# (tools/lab/timeline.py draws it). Returns 1 if no bypass formed.
lc_move_bypass() {
	local n=$1 how=$2 name=$3 old d dir t0 ta ts te tb rx tx tl i gap lost
	local reo poller rb0 rb1 drops
	old=$(lc_domid $n)
	dir=$(lab_bypass_dir 0 "$old" "$D2")
	# Both ends in the background of their guests, so that the stream
	# outlasts the move (the agent follows its guest to the new domid).
	rb0=$(domu_run "$D2" 20 lab_rcvbuf_errors)
	domu_run "$D2" 20 "rm -f /tmp/mv-rx.out; nc2-seq recv 7001 90 400 /tmp/timeline.txt >/tmp/mv-rx.out 2>&1 &" >/dev/null
	sleep 1
	t0=$(lc_ms)
	domu_run "$old" 20 "rm -f /tmp/mv-tx.out; nc2-seq send $(nc2_ip 2) 7001 1500 300 >/tmp/mv-tx.out 2>&1 &" >/dev/null
	if ! lc_wait_status $dir active 300; then
		lab_check FAIL "lifecycle-$name" "no automatic bypass domu$n-domu2 within 30 s of a 1500/s stream"
		domu_run "$old" 20 "killall nc2-seq" >/dev/null
		return 1
	fi
	ta=$(($(lc_ms) - t0))
	lab_log "$name: bypass $(basename $dir) up $ta ms into the stream, origin $(xenstore-read $dir/$NC2_XS_BP_ORIGIN 2>/dev/null)"
	sleep 5
	ts=$(($(lc_ms) - t0))
	case $how in
	save)
		timeout 600 xl save domu$n /tmp/mv.save >/tmp/xl-mv.log 2>&1 &&
			timeout 600 xl restore /tmp/mv.save >>/tmp/xl-mv.log 2>&1
		;;
	migrate)
		timeout 900 xl migrate -s '' domu$n 'xl migrate-receive' \
			>/tmp/xl-mv.log 2>&1
		;;
	esac || { sed 's/^/    | /' /tmp/xl-mv.log; lab_check FAIL "lifecycle-$name" "xl $how failed"; }
	rm -f /tmp/mv.save
	te=$(($(lc_ms) - t0))
	# The moment the bypass is up again, watched while lc_step checks.
	d=$(lc_new_domid $n "$old" 300)
	rm -f /tmp/reform.ms
	(
		[ -n "$d" ] && lc_wait_status "$(lab_bypass_dir 0 "$d" "$D2")" active 900 &&
			echo $(($(lc_ms) - t0)) >/tmp/reform.ms
	) &
	poller=$!
	lc_step "$name" $n "$old" "with a bypass up, after xl $how"
	wait $poller
	d=$(lc_domid $n)
	tb=$(cat /tmp/reform.ms 2>/dev/null)
	if [ -n "$tb" ]; then
		lab_check PASS "lifecycle-$name-reformed" "the bypass domu$n-domu2 formed again by itself under domid $d, $((tb - te)) ms after the move ended, origin $(xenstore-read "$(lab_bypass_dir 0 "$d" "$D2")"/$NC2_XS_BP_ORIGIN 2>/dev/null)"
	else
		lab_check FAIL "lifecycle-$name-reformed" "no bypass domu$n-domu2 within 90 s after the move"
	fi
	# A few seconds over the new bypass, then the sender stops.
	sleep 3
	tx=$(domu_run "$d" 20 "killall nc2-seq; sleep 1; cat /tmp/mv-tx.out")
	i=0
	while rx=$(domu_run "$D2" 20 "cat /tmp/mv-rx.out 2>/dev/null"); [ -z "$rx" ] && [ $i -lt 30 ]; do
		i=$((i + 1))
		sleep 1
	done
	rb1=$(domu_run "$D2" 20 lab_rcvbuf_errors)
	drops=$(( ${rb1:-0} - ${rb0:-0} ))
	lab_log "$name: sender $tx; receiver $rx; its socket dropped $drops"
	tl=$(domu_run "$D2" 20 'tr "\n" " " </tmp/timeline.txt')
	{
		echo "# $name: nc2-seq datagrams per second at domu2 (1500/s sent by domu$n)"
		echo "# events_ms bypass_up=$ta move_start=$ts move_end=$te bypass_again=${tb:--1}"
		echo "# receiver $rx"
		echo "$tl" | awk '{ for (i = 1; i < NF; i += 2) print $i, $(i + 1) }'
	} >/tmp/timeline-$name.txt
	lab_dump_file "timeline-$name.txt" /tmp/timeline-$name.txt
	gap=$(echo "$rx" | sed -n 's/.*"longest_gap_ms": \([0-9]*\).*/\1/p')
	lost=$(echo "$rx" | sed -n 's/.*"lost": \([0-9-]*\).*/\1/p')
	reo=$(echo "$rx" | sed -n 's/.*"reordered": \([0-9]*\).*/\1/p')
	if [ -z "$gap" ]; then
		lab_check FAIL "lifecycle-$name-stream" "no result from the receiver: '$rx'"
	elif [ "$gap" -le $((te - ts + 2000)) ]; then
		lab_check PASS "lifecycle-$name-stream" "longest silence ${gap} ms, the move took $((te - ts)) ms; $lost lost, of which the receiving socket dropped $drops (the rest around the pause, as the vif2 reconnects), $reo reordered; sender $tx"
	else
		lab_check FAIL "lifecycle-$name-stream" "longest silence ${gap} ms, but the move took $((te - ts)) ms; $rx"
	fi
	return 0
}

# lc_bypass_restore : issue #15's save/restore with a bypass up. An
# automatic bypass between domu1 and domu2, domu1 saved and restored with
# it up (netfront2 lets go of the bypass before the save); afterwards
# domu1 has its vif2 back under its new domid, nothing of the old one is
# left (the bypass included), domu2 still reaches dom0, the bypass forms
# again by itself and the stream between them went on.
lc_bypass_restore() {
	local out t dir
	if lc_move_bypass 1 save save-restore-bypass; then
		lab_check PASS lifecycle-auto-bypass "formed by itself under a 1500/s stream, no nc2ctl command"
	else
		lab_check FAIL lifecycle-auto-bypass "none within 30 s of a sustained stream"
	fi
	if t=$(lc_traffic 2 -p 5202); then
		lab_check PASS lifecycle-bypass-survivor "domu2, the other end: $t to dom0"
	else
		lab_check FAIL lifecycle-bypass-survivor "domu2: $t"
	fi
	out=$(domu_run "$D2" 20 "dmesg | grep -E 'BUG|Oops|WARNING|Call Trace' | head -3")
	if [ -z "$out" ]; then
		lab_check PASS lifecycle-bypass-peer-quiet "no BUG/Oops/WARNING in domu2's log"
	else
		lab_check FAIL lifecycle-bypass-peer-quiet "domu2: $out"
	fi
	# The stream is over: the automatic bypass goes by itself once an
	# end reports it idle (auto_bypass_idle_secs, set to 8 s above).
	LC_D=$(lc_domid 1)
	dir=$(lab_bypass_dir 0 "$LC_D" "$D2")
	t=0
	while xenstore-exists "$dir" 2>/dev/null && [ $t -lt 60 ]; do
		[ $t = 0 ] && out=$(nc2ctl list domu1 2>&1 | grep -E "^ *[0-9]+ +[0-9]+ .* auto ")
		t=$((t + 1))
		sleep 1
	done
	if xenstore-exists "$dir" 2>/dev/null; then
		lab_check FAIL lifecycle-bypass-idle "the automatic bypass is still there 60 s after its stream ended: $(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null)"
		nc2ctl bypass disable domu1 domu2 >/dev/null 2>&1
		lc_wait_status "$dir" disabled 300
	else
		lab_check PASS lifecycle-bypass-idle "the automatic bypass went by itself once idle ($t s after the checks that followed its stream); nc2ctl list showed: $(echo $out)"
	fi
}

# lc_wait_status DIR STATUS TENTHS : wait for a bypass status.
lc_wait_status() {
	local i=0
	while [ "$(xenstore-read $1/$NC2_XS_BP_STATUS 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $3 ] && return 1
		sleep 0.1
	done
}

# lc_ordering : issue #15's order check, docs/protocol.md 10.4. domu1
# sends domu2 a sequence-numbered UDP stream (nc2-seq, 1000 datagrams a
# second) while dom0 brings their bypass up and down by hand (nc2ctl
# bypass enable / disable, each waited for) as often as the stream lasts,
# at least LC_SWITCHES times; domu2 counts what came out of order, twice
# or never. Lost is allowed only as far as the sender's own socket
# dropped (send_errors).
LC_SWITCHES=20
lc_ordering() {
	local d dir n=0 secs rx tx rxpid txpid lost err rb0 rb1 drops why
	d=$(lc_domid 1)
	dir=$(lab_bypass_dir 0 "$d" "$D2")
	secs=$((LC_SWITCHES * 3 + 15))
	rb0=$(domu_run "$D2" 20 lab_rcvbuf_errors)
	domu_run "$D2" $((secs + 90)) "nc2-seq recv 7000 8 $((secs + 60))" \
		>/tmp/seq-rx.out 2>/dev/null &
	rxpid=$!
	sleep 2
	domu_run "$d" $((secs + 60)) "nc2-seq send $(nc2_ip 2) 7000 1000 $secs" \
		>/tmp/seq-tx.out 2>/dev/null &
	txpid=$!
	# The stream (1000/s, over auto_bypass_pps) brings the automatic
	# bypass up first; the admin's enable then finds it up and must
	# still be answered (it once went unanswered: nc2ctl clears the
	# status, and a bypass already up changed state no more).
	if lc_wait_status $dir active 300 &&
	   [ "$(xenstore-read $dir/$NC2_XS_BP_ORIGIN 2>/dev/null)" = auto ]; then
		nc2ctl bypass enable domu1 domu2 >/dev/null 2>&1
		if lc_wait_status $dir active 100 &&
		   [ "$(xenstore-read $dir/$NC2_XS_BP_ORIGIN 2>/dev/null)" = manual ]; then
			lab_check PASS lifecycle-enable-over-auto "nc2ctl bypass enable on the automatic bypass already up: answered active, origin manual"
		else
			lab_check FAIL lifecycle-enable-over-auto "nc2ctl bypass enable on the automatic bypass already up: status '$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null)', origin '$(xenstore-read $dir/$NC2_XS_BP_ORIGIN 2>/dev/null)' after 10 s"
		fi
	else
		lab_check FAIL lifecycle-enable-over-auto "no automatic bypass domu1-domu2 within 30 s of a 1000/s stream: status '$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null)'"
	fi
	# Each switch while the stream runs: up, traffic, down, traffic. A
	# step gets 30 s (TCG under load); why the cycles stopped is said.
	why="the stream ended"
	while kill -0 $txpid 2>/dev/null; do
		nc2ctl bypass enable domu1 domu2 >/dev/null 2>&1
		lc_wait_status $dir active 300 ||
			{ why="no 'active' 30 s after enable"; break; }
		sleep 0.5
		kill -0 $txpid 2>/dev/null || break
		nc2ctl bypass disable domu1 domu2 >/dev/null 2>&1
		lc_wait_status $dir disabled 300 ||
			{ why="no 'disabled' 30 s after disable"; break; }
		n=$((n + 1))
		sleep 0.5
	done
	why="$why (status '$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null)', error '$(xenstore-read $dir/$NC2_XS_BP_ERROR 2>/dev/null)')"
	lab_log "ordering: $n bypass up/down cycles under the stream, stopped: $why"
	wait $txpid
	wait $rxpid
	tx=$(cat /tmp/seq-tx.out)
	rx=$(cat /tmp/seq-rx.out)
	lab_log "ordering: sender $tx; receiver $rx"
	lab_log "ordering: domu1 vif2: $(domu_run "$d" 20 nc2_domu_nonzero 1)"
	lab_log "ordering: domu2 vif2: $(domu_run "$D2" 20 nc2_domu_nonzero 2)"
	rb1=$(domu_run "$D2" 20 lab_rcvbuf_errors)
	drops=$(( ${rb1:-0} - ${rb0:-0} ))
	lab_log "ordering: domu2's socket dropped $drops for want of buffer (RcvbufErrors)"
	v() { echo "$2" | sed -n "s/.*\"$1\": \([0-9-]*\).*/\1/p"; }
	lost=$(v lost "$rx")
	err=$(v send_errors "$tx")
	if [ -z "$lost" ] || [ -z "$err" ]; then
		lab_check FAIL lifecycle-ordering "no result: sender '$tx', receiver '$rx'"
	elif [ "$n" -lt $LC_SWITCHES ]; then
		lab_check FAIL lifecycle-ordering "only $n bypass up/down cycles under the stream (want $LC_SWITCHES), stopped: $why; $rx"
	elif [ "$(v reordered "$rx")" != 0 ] || [ "$(v duplicates "$rx")" != 0 ] ||
	     [ "$lost" -gt $((err + drops)) ]; then
		lab_check FAIL lifecycle-ordering "$n cycles ($((2 * n)) switches): $rx; sender $tx; receiving socket dropped $drops"
	else
		lab_check PASS lifecycle-ordering "$n bypass up/down cycles ($((2 * n)) switches) under a $(v received "$rx")-datagram stream: 0 reordered, 0 duplicated, $lost lost (the sender's socket dropped $err, the receiver's $drops: none in between), longest gap $(v longest_gap_ms "$rx") ms"
	fi
	# Leave the pair to the automatic bypass again: down, then forgotten.
	nc2ctl bypass disable domu1 domu2 >/dev/null 2>&1
	lc_wait_status $dir disabled 100
	xenstore-rm "$dir" 2>/dev/null
}

lc_suite() {
	local d out st i dir
	[ "$NC2" = 1 ] || { lab_check FAIL lifecycle-setup "nc2 missing in dom0"; return 1; }

	# Idle automatic bypasses go after 8 s here (default 30), and a flow
	# of 500 packets/s is enough (default 1000): a PVH guest under TCG
	# sends 1500/s only now and then.
	[ -w /sys/module/netback2/parameters/auto_bypass_idle_secs ] &&
		echo 8 >/sys/module/netback2/parameters/auto_bypass_idle_secs
	[ -w /sys/module/netback2/parameters/auto_bypass_pps ] &&
		echo 500 >/sys/module/netback2/parameters/auto_bypass_pps

	lab_step "lifecycle: xl create (no nc2ctl attach)"
	lc_step create 1 "" "after xl create"

	lab_step "lifecycle: nc2ctl list, by name"
	out=$(nc2ctl list domu1 2>&1)
	LC_D=$(lc_domid 1)
	echo "$out" | sed 's/^/    | /'
	if echo "$out" | grep -qE "^$LC_D +0 +0 .* domu1 +yes$"; then
		lab_check PASS lifecycle-list "domu1 (domid $LC_D): vif2 0 live and declared"
	else
		lab_check FAIL lifecycle-list "no 'domu1 ... yes' row for domid $LC_D"
	fi

	lab_step "lifecycle: xl reboot domu1"
	d=$LC_D
	if xl reboot domu1; then
		lc_step reboot 1 "$d" "after xl reboot"
	else
		lab_check FAIL lifecycle-reboot "xl reboot failed"
	fi

	lab_step "lifecycle: xl save + xl restore domu1"
	d=$LC_D
	if timeout 600 xl save domu1 /tmp/domu1.save >/tmp/xl-save.log 2>&1 &&
	   timeout 600 xl restore /tmp/domu1.save >/tmp/xl-restore.log 2>&1; then
		lc_step save-restore 1 "$d" "after xl save + xl restore"
		lc_stats 1 "$LC_D"
	else
		sed 's/^/    | /' /tmp/xl-save.log /tmp/xl-restore.log 2>/dev/null
		lab_check FAIL lifecycle-save-restore "xl save or restore failed"
	fi
	rm -f /tmp/domu1.save

	lab_step "lifecycle: xl create domu3 (PVH), xl migrate it to localhost"
	domu_create 3 pvh
	if lc_step create-pvh 3 "" "PVH guest after xl create"; then
		# -s '': xl runs the host argument as the receiver's command
		# line instead of "ssh HOST xl migrate-receive"
		# (tools/xl/xl_migrate.c). Moved with a bypass to domu2 up.
		lc_move_bypass 3 migrate migrate
	else
		lab_check FAIL lifecycle-migrate "no PVH guest to migrate"
	fi
	xl destroy domu3 2>/dev/null
	LC_D=$(lc_domid 1)

	lab_step "lifecycle: packet order across bypass up/down (sequence-numbered stream)"
	lc_ordering

	lab_step "lifecycle: automatic bypass domu1-domu2, xl save + xl restore of domu1 with it up"
	lc_bypass_restore

	lab_step "lifecycle: bypass domu1-domu2 by name, then xl destroy domu1"
	d=$LC_D
	nc2ctl bypass enable domu1 domu2 || true
	dir=$(lab_bypass_dir 0 "$d" "$D2")
	i=0
	while st=$(xenstore-read $dir/$NC2_XS_BP_STATUS 2>/dev/null); [ "$st" != active ] && [ $i -lt 150 ]; do
		i=$((i + 1))
		sleep 0.2
	done
	xl destroy domu1
	if [ "$st" != active ]; then
		lab_check FAIL lifecycle-destroy "bypass never active (status '$st')"
	elif ! left=$(lc_clean "$d"); then
		lab_check FAIL lifecycle-destroy "left after xl destroy: $left"
	else
		lab_check PASS lifecycle-destroy "bypass $d-$D2 was active; after xl destroy nothing of $d left (backend/$NC2_XS_DEVICE, device/$NC2_XS_DEVICE, bypass)"
	fi

	out=$(nc2ctl list 2>&1)
	echo "$out" | sed 's/^/    | /'
	if echo "$out" | grep -qE "^- +0 +- .* domu1 +not-running$" &&
	   echo "$out" | grep -qE "^$D2 +0 +0 .* domu2 +yes$"; then
		lab_check PASS lifecycle-list-declared "domu1 declared, not running; domu2 live and declared"
	else
		lab_check FAIL lifecycle-list-declared "expected 'domu1 not-running' and 'domu2 yes' rows"
	fi

	lab_step "lifecycle: xl create domu1 again"
	domu_create 1
	lc_step recreate 1 "" "after xl destroy + xl create"
	xl destroy domu1

	if kill -0 "$LC_AGENT" 2>/dev/null; then
		lab_check PASS lifecycle-agent-alive "agent ran through every step"
	else
		lab_check FAIL lifecycle-agent-alive "agent died"
	fi
	# The kernel side must have taken all of it quietly.
	out=$(dmesg | grep -E 'BUG|Oops|WARNING|refcount_t|general protection|list corruption|Call Trace' | head -3)
	if [ -z "$out" ]; then
		lab_check PASS lifecycle-dom0-kernel-quiet "no BUG/Oops/WARNING in dom0's log"
	else
		lab_check FAIL lifecycle-dom0-kernel-quiet "$out"
	fi
	lab_step "lifecycle: agent log"
	sed 's/^/    | /' $LC_LOG
	lab_dump_file nc2-agent.log $LC_LOG
}
