# mkimages.sh - builds the lab's boot images (sourced by lab.sh).
#
# Inputs (environment): KV (kernel version), KIMAGE (its bzImage), KROOT
# (root holding lib/modules/$KV: "" for the host's), CACHE (work dir), LAB
# (this directory), NC2CTL_BIN (nc2ctl binary, may be empty), NC2_KMOD_DIR,
# NC2_PKG_DIR (the .debs of tools/nc2 package, --lifecycle; may be empty),
# GTYPE (--guest-type: with hvm, dom0 gets the device model).
# Outputs: $CACHE/xen.elf, $CACHE/domU.cpio.gz, $CACHE/dom0.cpio.gz (and
# $CACHE/nc2-xenbus-keys.sh, which goes into both).

XENBIN=/usr/lib/xen-4.17/bin
# Modules loaded in the guests; their dependencies come along.
GUEST_MODULES="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
	xen-netback xen-netfront bridge"

# copy_bin ROOT FILE... : install executables and the libraries they use.
copy_bin() {
	local root=$1 f l
	shift
	for f in "$@"; do
		install -D -m755 "$f" "$root$f"
		ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' | while read -r l; do
			[ -e "$l" ] && install -D -m755 "$(readlink -f "$l")" "$root$l"
		done
	done
}

# base_root ROOT : busybox, kernel modules, iperf3, the lab's shell library.
base_root() {
	local r=$1 a m
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,root} \
		"$r"/{etc,var,lib/nc2lab/kmod}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	ln -s /run "$r/var/run"
	for m in $GUEST_MODULES; do
		modprobe ${KROOT:+-d "$KROOT"} -S "$KV" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r m; do
		install -D -m644 "$m" "$r${m#"$KROOT"}"
	done
	mkdir -p "$r/lib/modules/$KV"
	cp "$KROOT"/lib/modules/"$KV"/modules.{order,builtin,builtin.modinfo} \
		"$r/lib/modules/$KV/"
	depmod -b "$r" "$KV"
	copy_bin "$r" /usr/bin/iperf3 /usr/bin/xenstore /sbin/ethtool
	# The sequence-numbered stream of the ordering checks (build_images).
	install -D -m755 "$CACHE/nc2-seq" "$r/usr/bin/nc2-seq"
	# glibc dlopens libgcc_s for pthread_cancel (xl aborts without it)
	copy_bin "$r" /lib/x86_64-linux-gnu/libgcc_s.so.1
	for a in read write ls rm exists list chmod watch; do
		ln -sf xenstore "$r/usr/bin/xenstore-$a"
	done
	install -m644 "$LAB"/guest/lab-lib.sh "$LAB"/guest/nc2-hooks.sh \
		"$LAB"/guest/hostile.sh "$LAB"/guest/lifecycle.sh \
		"$LAB"/guest/driverdom.sh "$CACHE/nc2-xenbus-keys.sh" \
		"$r/lib/nc2lab/"
}

# copy_libs ROOT FILE : the libraries ROOT/FILE needs, from the host.
copy_libs() {
	local l
	ldd "$1$2" 2>/dev/null | grep -oE '/[^ ]+' | while read -r l; do
		[ -e "$l" ] && [ ! -e "$1$l" ] &&
			install -D -m755 "$(readlink -f "$l")" "$1$l"
	done
}

# install_dkms_modules ROOT KO... : where DKMS installs them for $KV,
# then depmod, so modprobe finds them as on an admin's machine.
install_dkms_modules() {
	local r=$1
	shift
	install -D -m644 -t "$r/lib/modules/$KV/updates/dkms" "$@"
	depmod -b "$r" "$KV"
}

mkcpio() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$2"
}

build_images() {
	local r

	zcat /boot/xen-4.17-amd64.gz >"$CACHE/xen.elf"
	cc -O2 -Wall -Wextra -Werror -o "$CACHE/nc2-seq" "$LAB/guest/nc2-seq.c" ||
		return 1
	# The xenstore key names for the guest scripts (lab-lib.sh sources it
	# from /lib/nc2lab) and the hotplug scripts (beside them).
	sh "$LAB/../xenbus-keys.sh" "$LAB/../../include/nc2/xenbus.h" \
		>"$CACHE/nc2-xenbus-keys.sh" || return 1

	r=$CACHE/rootfs-domU
	base_root "$r"
	install -m755 "$LAB/guest/init-domu" "$r/init"
	if [ -n "${NC2_NETDOM:-}" ]; then
		# The driver-domain suite's network domain boots this image:
		# netback2, nc2ctl (devd), the hotplug scripts and nftables.
		copy_bin "$r" "$NC2CTL_BIN" /usr/sbin/nft
		[ "$NC2CTL_BIN" = /usr/bin/nc2ctl ] ||
			mv "$r$NC2CTL_BIN" "$r/usr/bin/nc2ctl"
		mkdir -p "$r/etc/xen/scripts"
		install -m755 "$LAB/../nc2ctl/vif2-bridge" \
			"$LAB/../nc2ctl/vif2-route" "$r/etc/xen/scripts/"
		install -m644 "$CACHE/nc2-xenbus-keys.sh" "$r/etc/xen/scripts/"
		install -m644 "$NC2_KMOD_DIR/netback2.ko" "$r/lib/nc2lab/kmod/"
		for m in crc32c_generic nf_tables; do
			modprobe ${KROOT:+-d "$KROOT"} -S "$KV" --show-depends $m
		done |
			awk '$1 == "insmod" { print $2 }' | while read -r m; do
			install -D -m644 "$m" "$r${m#"$KROOT"}"
		done
		depmod -b "$r" "$KV"
	fi
	if [ -n "$NC2_PKG_DIR" ]; then
		install_dkms_modules "$r" "$NC2_KMOD_DIR/netfront2.ko"
	elif [ -n "$NC2_KMODS" ]; then
		install -m644 "$NC2_KMOD_DIR/netfront2.ko" "$r/lib/nc2lab/kmod/"
	fi
	mkcpio "$r" "$CACHE/domU.cpio.gz"

	r=$CACHE/rootfs-dom0
	base_root "$r"
	install -m755 "$LAB/guest/init-dom0" "$r/init"
	install -m644 "$LAB/guest/nc2ctl-checks.sh" "$r/lib/nc2lab/"
	copy_bin "$r" $XENBIN/xl $XENBIN/xenstored $XENBIN/xenconsoled \
		$XENBIN/xenconsole $XENBIN/xen-init-dom0 \
		$XENBIN/libxl-save-helper $XENBIN/xentop
	[ -x /usr/sbin/brctl ] && copy_bin "$r" /usr/sbin/brctl
	mkdir -p "$r"/etc/xen/scripts "$r"/boot "$r"/var/lib/xen \
		"$r"/var/lib/xenstored "$r"/var/log/xen
	cp /etc/xen/xl.conf "$r/etc/xen/"
	install -m755 "$LAB/guest/vif-bridge-lab" "$r/etc/xen/scripts/"
	if [ -n "$NC2_PKG_DIR" ]; then
		# nc2-utils as dpkg unpacks it (a busybox dom0 has no dpkg to
		# run maintainer scripts; the lab starts the unit's ExecStart).
		dpkg-deb -x "$NC2_PKG_DIR"/nc2-utils_*.deb "$r"
		copy_libs "$r" /usr/sbin/nc2ctl
		install_dkms_modules "$r" "$NC2_KMOD_DIR/netback2.ko" \
			"$NC2_KMOD_DIR/netfront2.ko"
	else
		install -m755 "$LAB/../nc2ctl/vif2-bridge" \
			"$LAB/../nc2ctl/vif2-route" "$r/etc/xen/scripts/"
		install -m644 "$CACHE/nc2-xenbus-keys.sh" "$r/etc/xen/scripts/"
	fi
	if [ -n "$NC2CTL_BIN" ]; then
		copy_bin "$r" "$NC2CTL_BIN"
		[ "$NC2CTL_BIN" = /usr/bin/nc2ctl ] ||
			mv "$r$NC2CTL_BIN" "$r/usr/bin/nc2ctl"
	fi
	if [ -n "$NC2_KMODS" ] && [ -z "$NC2_PKG_DIR" ]; then
		install -m644 "$NC2_KMOD_DIR/netback2.ko" \
			"$NC2_KMOD_DIR/netfront2.ko" "$r/lib/nc2lab/kmod/"
	fi
	case ",${GTYPE:-pv}," in *,hvm,*)
		# HVM guests need Xen's device model and firmware in dom0.
		install -D -m644 /usr/lib/xen-4.17/boot/hvmloader \
			"$r/usr/lib/xen-4.17/boot/hvmloader"
		copy_bin "$r" /usr/libexec/xen-qemu-system-i386
		for d in /usr/share/seabios /usr/share/qemu; do
			mkdir -p "$r$d" && cp -a "$d/." "$r$d/"
		done
		;;
	esac
	cp "$KIMAGE" "$r/boot/vmlinuz"
	cp "$CACHE/domU.cpio.gz" "$r/boot/domU.cpio.gz"
	mkcpio "$r" "$CACHE/dom0.cpio.gz"
}
