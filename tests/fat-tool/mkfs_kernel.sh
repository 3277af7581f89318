#!/bin/sh
# mkfs_kernel.sh: a volume made by devmgr-fat mkfs (FAT12, FAT16, FAT32)
# mounted by the Linux kernel (vfat, loop device): a file and a folder
# written there, fsck.fat -n clean after the unmount, and devmgr-fat reads
# what the kernel wrote.  Needs root and vfat; skips (77) otherwise.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatkern) || exit 99
trap 'umount "$tmp/mnt" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
need_tools
need_fsfat_write
[ "$(id -u)" = 0 ] || skip "not root: no loop mount"
command -v mount >/dev/null 2>&1 || skip "mount is not installed"
mkdir "$tmp/mnt"
mkfile "$tmp/src" 100000 5
for spec in "12 4M" "16 64M" "32 600M"; do
	fat_t=${spec% *} size=${spec#* } img=$tmp/k$fat_t.img n="FAT${spec% *}"
	"$FATTOOL" --image "$img" mkfs -F "$fat_t" -n KERNEL "$size" >/dev/null ||
		{ ko "$n: mkfs failed"; continue; }
	if ! mount -t vfat -o loop "$img" "$tmp/mnt" 2>"$tmp/err"; then
		grep -qi "unknown filesystem type" "$tmp/err" &&
			skip "the kernel has no vfat: $(head -n 1 "$tmp/err")"
		skip "mount -o loop failed: $(head -n 1 "$tmp/err")"
	fi
	ok "$n: the kernel mounts it"
	mkdir "$tmp/mnt/Kernel Dir" && cp "$tmp/src" "$tmp/mnt/Kernel Dir/kernel file.bin" &&
		ok "$n: the kernel writes a folder and a file" || ko "$n: the kernel cannot write"
	umount "$tmp/mnt"
	fsck_clean "$n: after the kernel" "$img"
	"$FATTOOL" --image "$img" cat "/Kernel Dir/kernel file.bin" >"$tmp/back" &&
		cmp -s "$tmp/back" "$tmp/src" && ok "$n: devmgr-fat reads what the kernel wrote" ||
		ko "$n: devmgr-fat does not read what the kernel wrote"
done
finish
