# SPDX-License-Identifier: MIT
# pkgs.sh - Debian packages for the project's scripts (sourced by tools/nc2,
# kmod/build.sh, tools/lab/lab.sh and tools/lab/build-kernel.sh, which
# differ only in where apt's output goes and how a failure is reported).

# nc2_pkgs_missing PKG... : print each PKG that is not installed.
nc2_pkgs_missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

# nc2_pkgs_install PKG... : apt-get update first (a fresh machine has no
# package lists), then install PKG; apt writes to stdout and stderr.
nc2_pkgs_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
}
