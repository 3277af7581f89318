#!/bin/sh
# kernel_vm.sh: the Linux kernel's vfat against what fs-fat writes, in a
# Debian kernel booted under QEMU (the one tests/xen-guest/setup.sh
# fetches), so that it runs on a host without vfat or root too.
#
# devmgr-fat makes FAT12, FAT16, FAT32 and a small FAT32 volume (fewer
# than 65,525 clusters) with mkfs, and writes files with set times, a
# UTF-8 long name, a read-only file and a tree with an empty folder by
# put -r.  Each volume is a virtio disk of the VM, whose init mounts it
# with vfat and reports every entry (kind, size, mtime, mode, sha256),
# then writes: a folder, a file with a set time, a rename, a removal.
# Back on the host: the kernel saw what devmgr-fat wrote, fsck.fat -n is
# clean, and devmgr-fat and mtools read what the kernel wrote.
#
# Skips (77) without QEMU, busybox or cpio, when the kernel cannot be
# fetched, in a sanitizer build, and with DEVMGR_NO_KERNEL_VM set
# (scripts/test.sh runs the VM once, in the default build).
. "$top_srcdir/tests/fat-tool/lib.sh"

[ -z "${DEVMGR_NO_KERNEL_VM:-}" ] ||
	skip "DEVMGR_NO_KERNEL_VM is set (the VM runs in the default build)"
if nm -D "$top_builddir/core/.libs/libdevmgr.so" 2>/dev/null | grep -q '__asan_'; then
	skip "sanitizer build (the VM runs in the default build)"
fi
for t in qemu-system-x86_64 cpio modprobe sha256sum; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ -x /bin/busybox ] || skip "busybox is not installed (package busybox-static)"
need_tools
tmp=$(mktmp kvm) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
need_fsfat_write
work=$(sh "$top_srcdir/tests/xen-guest/setup.sh" 2>/dev/null) ||
	skip "tests/xen-guest/setup.sh could not fetch the Debian kernel"
kver=$(cat "$work/kver")
kroot=$work/root

# ---- the volumes, written by devmgr-fat -------------------------------
src=$tmp/src
mkdir -p "$src/Tree/Sub/Deeper" "$src/Tree/Empty"
# The files put into /From Devmgr, one a line.
top_files() {
	printf '%s\n' data.bin "Ünïcode long name.txt" readonly.txt remove-me.txt \
		rename-me.txt
}
mkfile "$src/data.bin" 100000 1
mkfile "$src/Ünïcode long name.txt" 3000 2
mkfile "$src/readonly.txt" 1000 3
mkfile "$src/remove-me.txt" 10 4
mkfile "$src/rename-me.txt" 20 5
mkfile "$src/Tree/a.txt" 5000 6
mkfile "$src/Tree/Sub/b.bin" 70001 7
mkfile "$src/Tree/Sub/Deeper/c" 1 8
# Times on even seconds: FAT keeps two-second steps.
find "$src" -type f -exec touch -d "2024-03-04 05:06:08 UTC" {} +
touch -d "2021-06-15 12:34:56 UTC" "$src/data.bin" "$src/Tree/Sub/b.bin"
touch -d "1999-12-31 23:59:58 UTC" "$src/Ünïcode long name.txt"
touch -d "2030-01-02 03:04:06 UTC" "$src/Tree/a.txt"

# NAME:FAT:SIZE: the volumes made by devmgr-fat mkfs, and s32: a FAT32
# of 16 MiB, about 32,000 clusters where FAT32 wants 65,525 or more,
# made by mkfs.fat (devmgr-fat mkfs refuses to make one; fs-fat uses it,
# with a warning, as the kernel does).
vols="k12:12:4M k16:16:64M k32:32:600M s32:32:16M"
for v in $vols; do
	name=${v%%:*} rest=${v#*:}
	fat_t=${rest%%:*} size=${rest#*:}
	img=$tmp/$name.img
	if [ "$name" = s32 ]; then
		mkfs.fat -C -F 32 -n KERNEL "$img" 16384 >/dev/null 2>&1 ||
			{ ko "$name: mkfs.fat -F 32 on 16 MiB"; continue; }
	elif ! fat -q --image "$img" mkfs -F "$fat_t" -n KERNEL "$size"; then
		ko "$name: devmgr-fat mkfs -F $fat_t $size"
		continue
	fi
	fat -q --image "$img" mkdir "/From Devmgr" &&
		top_files | while read -r f; do
			fat -q --image "$img" put "$src/$f" "/From Devmgr/$f" || exit 1
		done &&
		fat -q --image "$img" attrib +r "/From Devmgr/readonly.txt" &&
		fat -q --image "$img" put -r "$src/Tree" / ||
		ko "$name: devmgr-fat could not write the volume"
done

# What the kernel must see: PATH|KIND|SIZE|MTIME|SHA256 for each file,
# PATH|directory for each folder (as the guest prints them below).
file_entry() { # FS-PATH HOST-FILE
	printf '%s|regular file|%s|%s|%s\n' "$1" "$(stat -c %s "$2")" \
		"$(stat -c %Y "$2")" "$(sha256sum <"$2" | cut -d' ' -f1)"
}
(
	cd "$src"
	top_files | while read -r f; do file_entry "/From Devmgr/$f" "$f"; done
	find Tree -type f | while read -r f; do file_entry "/$f" "$f"; done
	find Tree -type d | sed 's|^|/|; s/$/|directory/'
	echo "/From Devmgr|directory"
) | sort >"$tmp/expect"

# ---- the VM ---------------------------------------------------------------
vm=$tmp/vm
mkdir -p "$vm/bin" "$vm/dev" "$vm/proc" "$vm/sys" "$vm/mnt" "$vm/etc" "$vm/lib"
cp /bin/busybox "$vm/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$vm/bin/$a" ] || ln -s busybox "$vm/bin/$a"
done
: >"$vm/etc/modules.list"
for m in virtio_pci virtio_blk vfat nls_cp437 nls_ascii nls_utf8; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	b=${ko##*/}
	case $ko in
	*.xz) xz -dc "$ko" >"$vm/lib/${b%.xz}"; b=${b%.xz} ;;
	*) cp "$ko" "$vm/lib/$b" ;;
	esac
	echo "$b" >>"$vm/etc/modules.list"
done
grep -q '^vfat.ko$' "$vm/etc/modules.list" ||
	skip "no vfat module in the kernel package ($kver)"
mkfile "$vm/kernel.bin" 70000 9
cat >"$vm/init" <<'EOF'
#!/bin/sh
echo
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/lib/$m" 2>/dev/null || echo "=== insmod $m failed"; done </etc/modules.list
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
for d in /dev/vd?; do
	n=${d#/dev/}
	echo "=== volume $n"
	mkdir -p "/mnt/$n"
	if ! mount -t vfat -o tz=UTC,utf8 "$d" "/mnt/$n"; then
		echo "=== mount $n failed"
		continue
	fi
	cd "/mnt/$n"
	find . -mindepth 1 | while read -r p; do
		if [ -d "$p" ]; then
			echo "L ${p#.}|directory"
		else
			echo "L ${p#.}|regular file|$(stat -c '%s|%Y' "$p")|$(sha256sum <"$p" | cut -d' ' -f1)"
		fi
	done
	echo "M $(stat -c %a "From Devmgr/readonly.txt") $(stat -c %a "From Devmgr/data.bin")"
	# The kernel writes.
	mkdir "Kernel Dir" &&
		cp /kernel.bin "Kernel Dir/kernel file.bin" &&
		touch -d "2022-02-02 02:02:02" "Kernel Dir/kernel file.bin" &&
		mv "From Devmgr/rename-me.txt" "From Devmgr/renamed by kernel.txt" &&
		rm "From Devmgr/remove-me.txt" &&
		echo "W ok" || echo "W failed"
	cd /
	umount "/mnt/$n" && echo "U ok" || echo "U failed"
done
echo "=== end"
sync
poweroff -f
EOF
chmod +x "$vm/init"
(cd "$vm" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$tmp/initrd.gz" ||
	{ echo "cannot make the initramfs"; exit 99; }

set --
for v in $vols; do
	set -- "$@" -drive "file=$tmp/${v%%:*}.img,format=raw,if=virtio,cache=unsafe"
done
# TCG, as tests/xen-guest boots: no virtualisation extensions needed.
timeout 600 qemu-system-x86_64 -accel tcg -cpu qemu64 -m 512 -smp 1 \
	-kernel "$work/vmlinuz" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 TZ=UTC" -nographic -no-reboot \
	-serial "file:$tmp/serial.log" -monitor none "$@" >"$tmp/qemu.out" 2>&1
rc=$?
tr -d '\r' <"$tmp/serial.log" >"$tmp/log"
if ! grep -q '^=== end' "$tmp/log"; then
	ko "the VM ran to its end (qemu exit $rc)"
	tail -n 30 "$tmp/log" "$tmp/qemu.out" | sed 's/^/  | /'
	finish
fi
ok "the VM booted the Debian kernel $kver and ran its checks"
grep '^=== insmod' "$tmp/log" && ko "every module loaded"

# ---- what the kernel saw, and what it wrote ---------------------------
kernel_time=$(date -u -d "2022-02-02 02:02:02" +%s)
letter=a
for v in $vols; do
	name=${v%%:*} img=$tmp/$name.img
	# (the firmware's screen codes may precede the first line)
	sed -n "/=== volume vd$letter\$/,/^=== \\(volume\\|end\\)/p" "$tmp/log" >"$tmp/vol"
	letter=$(echo "$letter" | tr a-y b-z)
	if grep -q '^=== mount' "$tmp/vol"; then
		ko "$name: the kernel mounts it"
		continue
	fi
	ok "$name: the kernel mounts it"
	sed -n 's/^L //p' "$tmp/vol" | sort >"$tmp/seen"
	if cmp -s "$tmp/seen" "$tmp/expect"; then
		ok "$name: the kernel sees every name, size, time and byte devmgr-fat wrote"
	else
		ko "$name: the kernel sees something else"
		diff "$tmp/expect" "$tmp/seen" | head -n 20 | sed 's/^/  | /'
	fi
	modes=$(sed -n 's/^M //p' "$tmp/vol")
	case $modes in
	"555 755" | "444 644") ok "$name: the kernel sees the read-only attribute ($modes)" ;;
	*) ko "$name: the read-only attribute, as kernel modes: '$modes'" ;;
	esac
	grep -q '^W ok$' "$tmp/vol" && grep -q '^U ok$' "$tmp/vol" &&
		ok "$name: the kernel writes, renames, removes and unmounts" ||
		ko "$name: the kernel's writes failed"
	fsck_clean "$name: after the kernel" "$img"
	"$FATTOOL" --image "$img" cat "/Kernel Dir/kernel file.bin" >"$tmp/back" 2>"$tmp/err"
	cmp -s "$tmp/back" "$vm/kernel.bin" && ok "$name: devmgr-fat reads the kernel's file" ||
		ko "$name: devmgr-fat does not read the kernel's file"
	fat --image "$img" ls -l "/Kernel Dir/kernel file.bin"
	want=$(date -u -d "@$kernel_time" '+%Y-%m-%d %H:%M:%S')
	grep -qF " $want kernel file.bin" "$tmp/out" && ok "$name: devmgr-fat reads the kernel's time" ||
		ko "$name: the kernel's time is not $want"
	fat --image "$img" ls "/From Devmgr"
	if grep -qx "renamed by kernel.txt" "$tmp/out" && ! grep -qx "rename-me.txt" "$tmp/out" &&
		! grep -qx "remove-me.txt" "$tmp/out"; then
		ok "$name: devmgr-fat sees the kernel's rename and removal"
	else
		ko "$name: devmgr-fat does not see the kernel's rename and removal"
	fi
	# mtools 4.0 cannot read a FAT32 with fewer than 65,525 clusters
	# ("Error reading FAT"): the kernel, fsck.fat and devmgr-fat speak for it.
	if [ "$name" != s32 ]; then
		mtype -i "$img" "::/Kernel Dir/kernel file.bin" 2>/dev/null | cmp -s - "$vm/kernel.bin" &&
			ok "$name: mtools reads the kernel's file" ||
			ko "$name: mtools does not read the kernel's file"
	fi
	"$FATTOOL" --image "$img" cat "/Tree/Sub/b.bin" >"$tmp/back" 2>"$tmp/err"
	cmp -s "$tmp/back" "$src/Tree/Sub/b.bin" && ok "$name: devmgr-fat's own files are intact" ||
		ko "$name: devmgr-fat's own files changed"
done
finish
