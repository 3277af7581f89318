#!/bin/sh
# Fetch what a real Xen guest needs and that is not installed on the host:
# Debian's Xen hypervisor and the Debian kernel (dom0 and domU run the
# same one).  Both are only downloaded (apt-get download) and unpacked
# into $XG_WORK, never installed into the host's /boot.  The host tools
# (QEMU, busybox, the toolstack) come from scripts/deps.sh.
#
# Usage: tests/xen-guest/setup.sh        (idempotent; prints $XG_WORK)
# Env:   XG_WORK (default /var/tmp/devmgr-xen-guest), XG_KPKG (a
#        linux-image-<version>-amd64 package; default: the one
#        linux-image-amd64 depends on)
set -eu
work=${XG_WORK:-/var/tmp/devmgr-xen-guest}
mkdir -p "$work/debs"
cd "$work"
kpkg=${XG_KPKG:-}
if [ -z "$kpkg" ]; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$kpkg" ] || { echo "setup.sh: no linux-image package (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}
if [ -s xen.elf ] && [ -s vmlinuz ] && [ -s vmlinux ] && [ "$(cat kver 2>/dev/null)" = "$kver" ]; then
	echo "$work"
	exit 0
fi
cd debs
rm -f ./*.deb
# (as root, apt-get warns that its _apt user cannot write here: harmless)
apt-get download -q xen-hypervisor-4.17-amd64 "$kpkg" >/dev/null
cd ..
rm -rf root && mkdir root
# Only the hypervisor, the kernel image and its modules are kept: the
# kernel package unpacks to about 400 MB, of which a few modules are used.
for d in debs/*.deb; do dpkg-deb -x "$d" root; done
rm -f debs/*.deb
rm -rf root/usr/share root/usr/lib/linux-image-* root/etc
depmod -b "$work/root" "$kver"
# QEMU's multiboot loader boots Xen's uncompressed ELF image directly.
zcat root/boot/xen-4.17-amd64.gz >xen.elf
cp "root/boot/vmlinuz-$kver" vmlinuz
# The domU boots the uncompressed ELF: xl create then skips an xz
# decompression that takes seconds of emulated time in dom0.
python3 - <<'PY'
import lzma
d = open("vmlinuz", "rb").read()
open("vmlinux", "wb").write(lzma.LZMADecompressor().decompress(d[d.find(b"\xfd7zXZ\x00"):]))
PY
echo "$kver" >kver
echo "$work"
