#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kmod/lab/run.sh single|bypass [extra dom0 kernel args]
#
# Boots Xen 4.17 + a PV dom0 (+ one or two PV domUs) in QEMU/TCG with
# netback2 in dom0 and netfront2 in the guests, attaches vif2 devices with
# nc2ctl and checks traffic:
#   single  ping, 3000-byte ping, iperf3 both ways over vif2 and, in the
#           same run, over a netchannel1 vif for comparison; ethtool -S;
#           nc2ctl stats; detach (hot-remove); rmmod
#   bypass  two guests: traffic through the bridge, nc2ctl bypass enable
#           (must reach "active" and carry the traffic), disable, traffic
#           through the bridge again, detach, rmmod
#
# It reuses the lab probe's scripts (NC2_LAB_PROBE, default
# /work/shared/lab-probe: Debian packages, busybox initramfs, QEMU
# invocation) and replaces its guest scripts with the ones beside this
# file. Needs a built tools/nc2ctl (build/tools/nc2ctl/nc2ctl). Output in
# $W (default /tmp/nc2-kmod-lab-<mode>); prints RESULT: PASS or FAIL.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=${1:-single}
probe=${NC2_LAB_PROBE:-/work/shared/lab-probe}
export W=${W:-/tmp/nc2-kmod-lab-$mode}
nc2ctl=$top/build/tools/nc2ctl/nc2ctl

[ -d "$here/$mode" ] || { echo "usage: $0 single|bypass" >&2; exit 2; }
[ -x "$nc2ctl" ] || { echo "build nc2ctl first (tools/nc2 build)" >&2; exit 1; }
"$top/kmod/build.sh"
rm -rf "$W/probe"
mkdir -p "$W"
cp -r "$probe" "$W/probe"
cp "$here/$mode"/* "$W/probe/files/"
cd "$W/probe"

# The probe's image builder and driver, adapted: our modules instead of its
# test modules, nc2ctl + vif2-bridge + ethtool in dom0, ethtool + xenstore
# in the guests, every domU config, our pass criteria.
sed -i \
	-e 's|^  \[ -x /usr/bin/iperf3 \] && copy_bin "$r" /usr/bin/iperf3|&\n  copy_bin "$r" /usr/sbin/ethtool|' \
	-e 's|^R=$W/rootfs-domU; base_root $R|&\ncopy_bin $R /usr/bin/xenstore; for t in read write; do ln -sf xenstore $R/usr/bin/xenstore-$t; done|' \
	-e "s|^for t in read write ls list rm exists chmod watch; do|install -D -m755 $nc2ctl \$R/usr/bin/nc2ctl\ncopy_bin \$R $nc2ctl\n&|" \
	-e "s|^cp \$P/files/domu1.cfg \$R/etc/xen/domu1.cfg|install -m755 $top/tools/nc2ctl/vif2-bridge \$R/etc/xen/scripts/vif2-bridge\ncp \$P/files/domu*.cfg \$R/etc/xen/|" \
	build-initramfs.sh
pass="grep -q 'XPROBE.*PING OK' \$LOG"
[ "$mode" = bypass ] && pass="grep -q 'STEP 2 PING OK' \$LOG"
sed -i \
	-e "s|^rm -rf \"\$W/modules\";.*|rm -rf \"\$W/modules\"; mkdir -p \"\$W/modules\"; cp $top/kmod/netfront2/netfront2.ko $top/kmod/netback2/netback2.ko \"\$W/modules/\"|" \
	-e 's|tcg $LOG 600 "${1-grant_table.version=2}"|tcg $LOG 1200 "${1-}"|' \
	-e "s/^grep -E 'XPROBE|PING|sender.*/grep -E 'XPROBE|PING|sender|receiver|Grant tables using|netfront2|netback2|nc2|bypass' \$LOG | cut -c1-200/" \
	-e "s/^grep -q 'XPROBE.*PING OK'.*/$pass \&\& grep -q 'XPROBE.*ALL DONE' \$LOG \&\& echo RESULT: PASS || { echo RESULT: FAIL; exit 1; }/" \
	ci-xen-test.sh
exec bash ci-xen-test.sh "${2-}"
