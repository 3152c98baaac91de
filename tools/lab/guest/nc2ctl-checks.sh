# nc2ctl-checks.sh - checks of nc2ctl against the real xenstored in dom0
# (busybox sh, sourced by init-dom0).  They need no nc2 driver: with none
# loaded the devices simply stay in state 1, which is what the timeout
# checks rely on.

# xs_is NAME PATH VALUE : check one xenstore value.
xs_is() {
	local v
	v=$(xenstore-read "$2" 2>/dev/null)
	if [ "$v" = "$3" ]; then
		return 0
	fi
	echo "    | $2 = '$v', expected '$3'"
	return 1
}

# xs_perm_is PARENT CHILD PERMS : xenstore-ls -p shows CHILD's permissions.
xs_perm_is() {
	xenstore-ls -p "$1" 2>/dev/null | grep "^$2 = " | grep -q "($3)" &&
		return 0
	echo "    | permissions of $1/$2 are not ($3):"
	xenstore-ls -p "$1" 2>/dev/null | grep "^$2 = " | sed 's/^/    | /'
	return 1
}

# nc2ctl_checks DOMID : DOMID is a running domU without vif2 devices.
nc2ctl_checks() {
	local d=$1 fe be fake bp ok
	if ! command -v nc2ctl >/dev/null 2>&1; then
		lab_check SKIP nc2ctl "nc2ctl not in the image"
		return 0
	fi
	lab_step "nc2ctl checks against domU $d"
	fe=$(lab_fe "$d" 5)
	be=$(lab_be 0 "$d" 5)

	if nc2ctl --help | grep -q "EXIT STATUS"; then
		lab_check PASS nc2ctl-help
	else
		lab_check FAIL nc2ctl-help "no manual"
	fi
	lab_expect nc2ctl-bad-mac 2 nc2ctl attach "$d" mac=zz
	lab_expect nc2ctl-bad-command 2 nc2ctl frobnicate
	lab_expect nc2ctl-bad-domid 2 nc2ctl attach 1x
	lab_expect nc2ctl-unknown-domain 1 nc2ctl --no-wait attach 999
	lab_expect nc2ctl-missing-backend 1 nc2ctl --no-wait attach "$d" \
		backend=77

	lab_expect nc2ctl-attach 0 nc2ctl --no-wait attach "$d" handle=5 \
		mac=00:16:3e:00:05:01 bridge=br1
	ok=PASS
	xs_is x "$fe/$NC2_XS_BACKEND" "$be" || ok=FAIL
	xs_is x "$fe/$NC2_XS_BACKEND_ID" 0 || ok=FAIL
	xs_is x "$fe/$NC2_XS_HANDLE" 5 || ok=FAIL
	xs_is x "$fe/$NC2_XS_MAC" 00:16:3e:00:05:01 || ok=FAIL
	# With a live netfront2/netback2 the states move on at once.
	[ "$NC2" = 1 ] || xs_is x "$fe/$NC2_XS_STATE" 1 || ok=FAIL
	xs_is x "$be/$NC2_XS_FRONTEND" "$fe" || ok=FAIL
	xs_is x "$be/$NC2_XS_FRONTEND_ID" "$d" || ok=FAIL
	xs_is x "$be/$NC2_XS_ONLINE" 1 || ok=FAIL
	xs_is x "$be/$NC2_XS_HANDLE" 5 || ok=FAIL
	xs_is x "$be/$NC2_XS_BRIDGE" br1 || ok=FAIL
	xs_is x "$be/$NC2_XS_SCRIPT" /etc/xen/scripts/vif2-bridge || ok=FAIL
	xs_is x "$be/$NC2_XS_MAX_BYPASSES" 5 || ok=FAIL
	xs_is x "$be/$NC2_XS_LOCAL_TRUSTED" 1 || ok=FAIL
	xs_is x "$be/$NC2_XS_REMOTE_TRUSTED" 0 || ok=FAIL
	xs_is x "$be/$NC2_XS_FILTER_MAC" 1 || ok=FAIL
	lab_check $ok nc2ctl-attach-keys
	ok=PASS
	xs_perm_is "$(lab_fe "$d")" 5 "n$d,r0" || ok=FAIL
	xs_perm_is "$(lab_be 0 "$d")" 5 "n0,r$d" || ok=FAIL
	lab_check $ok nc2ctl-attach-perms
	if nc2ctl list "$d" | tee /tmp/list.out | grep -q "^$d  *5  *0 "; then
		lab_check PASS nc2ctl-list
	else
		sed 's/^/    | /' /tmp/list.out
		lab_check FAIL nc2ctl-list
	fi
	lab_expect nc2ctl-duplicate-handle 1 nc2ctl --no-wait attach "$d" \
		handle=5
	lab_expect nc2ctl-list-unknown-domain 1 nc2ctl list 999
	lab_expect nc2ctl-stats 0 nc2ctl stats "$d"

	# Bypass requests, against a second guest that is created paused
	# and never runs: nc2ctl only needs it to exist.
	printf 'name = "standin"\ntype = "pv"\nkernel = "/boot/vmlinuz"\nmemory = 128\n' \
		>/etc/xen/standin.cfg
	if ! xl create -p /etc/xen/standin.cfg >/tmp/standin.log 2>&1 ||
	   ! fake=$(xl domid standin); then
		sed 's/^/    | /' /tmp/standin.log
		lab_check FAIL nc2ctl-standin "cannot create stand-in domain"
		fake=4000
	fi
	lab_expect nc2ctl-bypass-no-vif2 1 nc2ctl bypass enable "$d" $fake
	nc2ctl --no-wait attach $fake handle=0 >/dev/null
	lab_expect nc2ctl-bypass-enable 0 nc2ctl bypass enable $fake "$d"
	nc2ctl list | sed 's/^/    | /'
	# The stand-in was created after $d (or is 4000): nc2ctl names the
	# request $d-$fake, smaller domid first.
	bp=$(lab_bypass_dir 0)/$d-$fake
	ok=PASS
	xs_is x $bp/$NC2_XS_BP_DOMID_A "$d" || ok=FAIL
	xs_is x $bp/$NC2_XS_BP_DOMID_B $fake || ok=FAIL
	xs_is x $bp/$NC2_XS_BP_HANDLE_A 5 || ok=FAIL
	xs_is x $bp/$NC2_XS_BP_REQUEST enable || ok=FAIL
	lab_check $ok nc2ctl-bypass-keys
	lab_expect nc2ctl-bypass-disable 0 nc2ctl bypass disable "$d" $fake
	if xs_is x $bp/$NC2_XS_BP_REQUEST disable; then
		lab_check PASS nc2ctl-bypass-disable-key
	else
		lab_check FAIL nc2ctl-bypass-disable-key
	fi
	lab_expect nc2ctl-bypass-self 2 nc2ctl bypass enable "$d" "$d"
	[ "$fake" != 4000 ] && nc2ctl_detach_checks "$d" $fake
	nc2ctl --timeout 1 detach $fake 0 >/dev/null 2>&1
	xl destroy standin 2>/dev/null
	xenstore-rm $bp

	if [ "$NC2" = 0 ]; then
		# No backend driver: attach waits and gives up with status 3.
		lab_expect nc2ctl-attach-timeout 3 nc2ctl --timeout 1 attach \
			"$d" handle=6 bridge=br1
		lab_expect nc2ctl-detach-timeout 0 nc2ctl --timeout 1 detach \
			"$d" 6
	fi
	lab_expect nc2ctl-detach 0 nc2ctl --timeout 2 detach "$d" 5
	if xenstore-read "$fe/$NC2_XS_STATE" >/dev/null 2>&1 ||
	   xenstore-read "$be/$NC2_XS_STATE" >/dev/null 2>&1; then
		lab_check FAIL nc2ctl-detach-removed "entries still present"
	else
		lab_check PASS nc2ctl-detach-removed
	fi
	lab_expect nc2ctl-detach-missing 1 nc2ctl detach "$d" 5
}

# nc2ctl_detach_checks DOMID OTHER : detach finds the backend from
# backend-owned keys only (issue #11 finding 13).  The frontend directory
# is the guest's, so its backend-id/backend may lie, and another domain
# (OTHER) may plant a look-alike backend directory in its own tree.
nc2ctl_detach_checks() {
	local d=$1 o=$2 fe be fake
	fe=$(lab_fe "$1" 7)
	be=$(lab_be 0 "$1" 7)
	fake=$(lab_be "$2" "$1" 7)
	nc2ctl --no-wait attach "$d" handle=7 bridge=br1 >/dev/null
	xenstore-write "$fe/$NC2_XS_BACKEND_ID" "$o" "$fe/$NC2_XS_BACKEND" "$fake" \
		"$fake/$NC2_XS_FRONTEND" "$fe" "$fake/$NC2_XS_FRONTEND_ID" "$d"
	lab_expect nc2ctl-detach-forged-backend-id 0 nc2ctl --timeout 2 \
		detach "$d" 7
	if xenstore-read "$be/$NC2_XS_STATE" >/dev/null 2>&1 ||
	   ! xenstore-read "$fake/$NC2_XS_FRONTEND" >/dev/null 2>&1; then
		lab_check FAIL nc2ctl-detach-real-backend \
			"dom0's entry left or the look-alike removed"
	else
		lab_check PASS nc2ctl-detach-real-backend
	fi
	# Only the look-alike is left now: backend= selects it, and a
	# domain without a matching directory is refused.
	lab_expect nc2ctl-detach-wrong-backend 1 nc2ctl --timeout 1 detach \
		"$d" 7 backend=0
	lab_expect nc2ctl-detach-chosen-backend 0 nc2ctl --timeout 1 detach \
		"$d" 7 backend="$o"
}
