#!/bin/bash
# Build the two initramfs images of the real Xen guest from devmgr's own
# build:
#   domU: busybox, the xenstore clients, the kernel's blkfront/netfront,
#         devmgr installed from BUILD (programs, plugins, libdevmgr) with
#         its library closure, the scenarios' configurations; /init is
#         files/domU-init.sh (an agent dom0 drives through xenstore).
#   dom0: busybox, the real toolstack (xl, xenstored, xenconsoled) with
#         its closure, the backends, iproute2 for network namespaces, the
#         hotplug scripts, the domU's kernel and initramfs, the demo site
#         image; /init is files/dom0-init.sh.
# Usage: tests/xen-guest/build.sh BUILD OUT   (after setup.sh)
# Env:   XG_WORK (setup.sh's folder)
set -euo pipefail
build=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${XG_WORK:-/var/tmp/devmgr-xen-guest}
kver=$(cat "$work/kver")
kroot=$work/root
mkdir -p "$out"
out=$(cd "$out" && pwd)

skel() { # TREE: an empty usr-merged tree with busybox
	rm -rf "$1"
	mkdir -p "$1"/{usr/bin,usr/sbin,usr/lib64,usr/lib/x86_64-linux-gnu,proc,sys,dev,tmp,run,etc,root,var}
	ln -s usr/bin "$1/bin"
	ln -s usr/sbin "$1/sbin"
	ln -s usr/lib "$1/lib"
	ln -s usr/lib64 "$1/lib64"
	ln -s ../run "$1/var/run"
	cp /bin/busybox "$1/usr/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$1/usr/bin/$a" ] || ln -s busybox "$1/usr/bin/$a"
	done
}
closure() { # TREE FILE...: the host libraries FILEs need, copied into TREE
	local t=$1
	shift
	for f in "$@"; do
		LD_LIBRARY_PATH=$t/usr/local/lib ldd "$f" 2>/dev/null | grep -o '/[^ ]*' |
			while read -r l; do
				case $l in "$t"/*) continue ;; esac
				[ -e "$t$l" ] || cp -L --parents "$l" "$t/"
			done
	done
}
host_bin() { # TREE FILE...: host programs and their closure
	local t=$1
	shift
	for b in "$@"; do cp -L --parents "$b" "$t/"; done
	closure "$t" "$@"
}
modules() { # TREE NAME...: kernel modules with their dependencies, and
	local t=$1 # /etc/modules.list in load order
	shift
	: >"$t/etc/modules.list"
	for m in "$@"; do
		modprobe -d "$kroot" -S "$kver" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }' | while read -r ko; do
			rel=${ko#"$kroot"}
			[ -e "$t$rel" ] && continue
			mkdir -p "$t$(dirname "$rel")"
			cp "$ko" "$t$rel"
			echo "$rel" >>"$t/etc/modules.list"
		done
	done
}
xenstore_tools() { # TREE
	host_bin "$1" /usr/bin/xenstore
	for a in read write ls list exists rm watch chmod; do
		ln -sf xenstore "$1/usr/bin/xenstore-$a"
	done
}
cpio_of() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet); }

# ---- domU ----
u=$out/domU-tree
skel "$u"
xenstore_tools "$u"
# xen-evtchn and xen-gntalloc: blk-xen's event channels and grants.
modules "$u" xen-blkfront xen-netfront xen-evtchn xen-gntalloc
prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
[ "$prefix" = /usr/local ] || { echo "build.sh: $build has prefix $prefix, not /usr/local" >&2; exit 1; }
make -s -C "$build" install DESTDIR="$u" >/dev/null 2>&1
rm -rf "$u/usr/local/include" "$u/usr/local/lib/pkgconfig"
find "$u/usr/local" -name '*.la' -delete
closure "$u" $(find "$u/usr/local/bin" "$u/usr/local/lib" -type f -perm -u+x) \
	$(find "$u/usr/local/lib" -name '*.so*' -type f)
cp -L --parents /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$u/"
# The in-guest benchmarks, when they were built (make bench).
for p in xen_guest_plug xen_guest_blk; do
	if [ -x "$build/bench/.libs/$p" ]; then
		install -m 755 "$build/bench/.libs/$p" "$u/usr/local/bin/"
		closure "$u" "$u/usr/local/bin/$p"
	fi
done
mkdir -p "$u/etc/devmgr"
cp "$here"/configs/*.json "$u/etc/devmgr/"
cp "$top/examples/www-xen.json" "$u/etc/devmgr/"
install -m 755 "$here/files/domU-init.sh" "$u/init"
cp "$here/files/xg-lib.sh" "$u/etc/xg-lib.sh"
cpio_of "$u" | gzip -1 >"$out/domU-initrd.gz"

# ---- dom0 ----
d=$out/dom0-tree
skel "$d"
xb=/usr/lib/xen-4.17/bin
host_bin "$d" $xb/xl $xb/xenstored $xb/xenconsoled $xb/xen-init-dom0 $xb/libxl-save-helper \
	/usr/sbin/ip
# dosfstools and mtools: the FAT image that blk-xen writes is checked here.
host_bin "$d" /usr/sbin/mkfs.fat /usr/sbin/fsck.fat /usr/bin/mtools
for a in mcopy mtype mdir; do ln -sf mtools "$d/usr/bin/$a"; done
# mtools converts names through iconv's CP850 (glibc's gconv module).
gc=/usr/lib/x86_64-linux-gnu/gconv
cp -rL --parents $gc/gconv-modules $gc/gconv-modules.cache $gc/gconv-modules.d $gc/IBM850.so "$d/"
xenstore_tools "$d"
# glibc loads libgcc_s for pthread_cancel: xl create aborts without it.
cp -L --parents /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$d/"
mkdir -p "$d/etc/xen/scripts" "$d/etc/xg" "$d/guest"
cp /etc/xen/xl.conf "$d/etc/xen/"
install -m 755 "$here/files/block-loop" "$here/files/vif-bridge" "$d/etc/xen/scripts/"
modules "$d" xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback \
	xen-netback loop bridge veth
install -m 755 "$here/files/dom0-init.sh" "$d/init"
cp "$here/files/dom0-lib.sh" "$here/files/scenarios.sh" "$d/etc/xg/"
install -m 755 "$here/files/local-ssh" "$d/etc/xg/"
cp "$here/files/guest.cfg" "$d/etc/xen/"
cp "$work/vmlinux" "$d/guest/kernel"
cp "$out/domU-initrd.gz" "$d/guest/initrd.gz"
cp "$build/apps/www/site.img" "$d/etc/xg/site.img"
cp -r "$top/site" "$d/etc/xg/site"
cpio_of "$d" >"$out/dom0-initrd.cpio"
ls -l "$out/dom0-initrd.cpio" "$out/domU-initrd.gz" | awk '{ print $5, $9 }'
