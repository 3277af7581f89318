#!/bin/sh
# Install the Debian packages devmgr needs (Debian 12), only those missing.
# Usage: scripts/deps.sh build|test
set -eu
build="build-essential autoconf automake libtool pkg-config libjansson-dev check libxen-dev liblwip-dev libhttp-parser-dev graphviz groff-base man-db zlib1g-dev"
# clang-format for the format check (scripts/format.sh); real peers of
# the tests: xenstored and its tools, FAT tools, network namespaces and
# taps, curl, wrk, nginx, lighttpd, tshark, sfdisk and sgdisk; QEMU,
# busybox, cpio and kmod for the real Xen guest (tests/xen-guest/, which
# downloads the hypervisor and the kernel itself).
test="$build mtools dosfstools python3-jsonschema valgrind clang clang-format libclang-rt-14-dev binutils xen-utils-4.17 xenstore-utils iproute2 iputils-ping curl wrk nginx-light lighttpd tshark fdisk gdisk qemu-system-x86 busybox-static cpio kmod"
case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
