# SPDX-License-Identifier: MIT
# pkgs.sh - Debian packages for the project's scripts (sourced by tools/nc2,
# kmod/build.sh, tools/lab/lab.sh, tools/lab/build-kernel.sh and
# uspace/e2e.sh, which differ only in where apt's output goes and how a
# failure is reported).

# nc2_pkgs_missing PKG... : print each PKG that is not installed.
nc2_pkgs_missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

# nc2_apt ARGS... : apt-get ARGS, waiting for the dpkg and apt list locks
# instead of failing on them. A fresh machine often runs
# unattended-upgrades or apt-daily at boot: apt's own DPkg::Lock::Timeout
# covers the dpkg lock of an install, and the loop covers the rest (the
# lists lock of 'update', a lock taken between our two calls), retrying
# for up to NC2_APT_WAIT seconds (default 1200) while apt says "lock".
nc2_apt() {
	local t0=$SECONDS limit=${NC2_APT_WAIT:-1200} out rc
	out=$(mktemp)
	while :; do
		DEBIAN_FRONTEND=noninteractive apt-get \
			-o DPkg::Lock::Timeout=60 "$@" >"$out" 2>&1
		rc=$?
		if [ $rc = 0 ] || ! grep -qiE 'could not get lock|unable to (acquire|lock)|lock-frontend|is another process using it' "$out" ||
		   [ $((SECONDS - t0)) -ge "$limit" ]; then
			cat "$out"
			rm -f "$out"
			return $rc
		fi
		echo "nc2: apt is locked by another process; waiting ($((SECONDS - t0)) s of $limit)" >&2
		sleep 5
	done
}

# nc2_pkgs_install PKG... : apt-get update first (a fresh machine has no
# package lists), then install PKG; apt writes to stdout and stderr.
nc2_pkgs_install() {
	export DEBIAN_FRONTEND=noninteractive
	nc2_apt update -q && nc2_apt install -y -q --no-install-recommends "$@"
}
