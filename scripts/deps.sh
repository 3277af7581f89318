#!/bin/sh
# Install the Debian packages devmgr needs (Debian 12), only those missing,
# and fetch the lwip source package that stack-lwip is built from.
# Usage: scripts/deps.sh build|test
# The source goes to $DEVMGR_LWIP_DIR (default /var/tmp/devmgr-lwip),
# where configure looks for it; apt's deb-src entries are added when the
# system has none.
set -eu
# liblwip-dev only for ./configure --with-system-lwip; dpkg-dev unpacks
# the source package.
build="build-essential dpkg-dev autoconf automake libtool pkg-config libjansson-dev check libxen-dev liblwip-dev libhttp-parser-dev graphviz cmark groff-base man-db zlib1g-dev"
# clang-format for the format check (scripts/format.sh); real peers of
# the tests: xenstored and its tools, FAT tools, network namespaces and
# taps, curl, wrk, ab (apache2-utils), nginx, lighttpd, tshark, hping3
# (floods), iperf3 and ethtool (the switch's offload test and benchmark),
# nftables (an MSS of 1 in tests/stack/lwip_mss.sh), sfdisk and sgdisk;
# QEMU, busybox, cpio and kmod for the real Xen guest (tests/xen-guest/,
# which downloads the hypervisor and the kernel itself).
test="$build mtools dosfstools python3-jsonschema valgrind clang clang-format libclang-rt-14-dev binutils xen-utils-4.17 xenstore-utils iproute2 iputils-ping curl wrk apache2-utils nginx-light lighttpd tshark hping3 iperf3 ethtool nftables fdisk gdisk qemu-system-x86 busybox-static cpio kmod"
case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
lwip_dir=${DEVMGR_LWIP_DIR:-/var/tmp/devmgr-lwip}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
updated=
update() {
	[ -n "$updated" ] || $SUDO apt-get update -q
	updated=1
}

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# has_deb_src: apt has a source entry (one-line or deb822 format).
has_deb_src() {
	grep -qs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list ||
		grep -qis '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}

# The source entries mirror the binary ones (same mirrors, suites and
# keys), in a file of their own.
add_deb_src() {
	tmp=$(mktemp)
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -e 's/^\([[:space:]]*Types:[[:space:]]*\)deb[[:space:]]*$/\1deb-src/I' \
			-e 's/^\([[:space:]]*Enabled:\).*/\1 yes/I' "$f" >>"$tmp"
		echo >>"$tmp"
	done
	if [ -s "$tmp" ]; then
		$SUDO cp "$tmp" /etc/apt/sources.list.d/devmgr-deb-src.sources
	else
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' >"$tmp"
		[ -s "$tmp" ] || { rm -f "$tmp"; echo "$0: no apt sources to mirror" >&2; exit 1; }
		$SUDO cp "$tmp" /etc/apt/sources.list.d/devmgr-deb-src.list
	fi
	rm -f "$tmp"
	$SUDO chmod 644 /etc/apt/sources.list.d/devmgr-deb-src.*
	updated=
}

# lwIP 2.1.3 (Debian's lwip source package, patches applied).
for d in "$lwip_dir"/lwip-2.1.3*; do
	[ -f "$d/src/core/tcp.c" ] && exit 0
done
has_deb_src || { echo "adding apt source entries (deb-src)"; add_deb_src; }
update
mkdir -p "$lwip_dir"
cd "$lwip_dir"
apt-get source -q lwip
for d in "$lwip_dir"/lwip-2.1.3*; do
	[ -f "$d/src/core/tcp.c" ] && exit 0
done
echo "$0: apt-get source lwip gave no lwIP 2.1.3 in $lwip_dir" >&2
exit 1
