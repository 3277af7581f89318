#!/bin/sh
# mkfs.sh: devmgr-fat mkfs against mkfs.fat (dosfstools 4.2).  For a range
# of sizes and sector sizes, the layout (FAT type, cluster size, reserved
# sectors, FAT length, root entries, geometry) equals mkfs.fat's defaults
# field by field; forced types and cluster sizes too.  The result is clean
# for fsck.fat -n, mtools lists and copies into it, fs-fat writes it; the
# label and volume id are those given; -c formats the fs-fat device of a
# configuration; impossible combinations are refused with the reason and
# leave the image untouched; bad options are usage errors.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatmkfs) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
need_tools
need_fsfat_write
BPB="$top_srcdir/tests/fat-tool/bpb.py"

# same_layout NAME KIB [OPTIONS...]: both tools on KIB KiB; the boot
# sectors' layouts are equal.
same_layout() {
	n=$1 k=$2
	shift 2
	rm -f "$tmp/a.img" "$tmp/b.img"
	mkfs.fat -C "$@" "$tmp/a.img" "$k" >/dev/null 2>&1 ||
		{ ko "$n: mkfs.fat $* failed"; return; }
	if ! fat --image "$tmp/b.img" mkfs "$@" "${k}K"; then
		ko "$n: devmgr-fat mkfs $* ${k}K failed"
		return
	fi
	"$PY" "$BPB" "$tmp/a.img" >"$tmp/want"
	"$PY" "$BPB" "$tmp/b.img" >"$tmp/got"
	if cmp -s "$tmp/want" "$tmp/got"; then
		ok "$n: the layout is mkfs.fat's ($(sed 's/.*\(spc=[0-9]*\).*\(type=[0-9]*\)/\2 \1/' "$tmp/got"))"
	else
		diff "$tmp/want" "$tmp/got" >"$tmp/out"
		ko "$n: the layout differs from mkfs.fat's (< mkfs.fat, > devmgr-fat)"
	fi
}

for k in 64 1024 1440 2880 4096 4200 8192 12000 16384 32768 65536 266240 \
	307200 524287 524288 1048576 2097152; do
	same_layout "$k KiB" $k
done
same_layout "300 MiB -S 2048" 307200 -S 2048
same_layout "1 GiB -S 4096" 1048576 -S 4096
same_layout "1 GiB -S 1024" 1048576 -S 1024
same_layout "8 MiB -S 4096" 8192 -S 4096
same_layout "16 MiB -F 12" 16384 -F 12
same_layout "64 MiB -F 12" 65536 -F 12
same_layout "1 GiB -F 16" 1048576 -F 16
same_layout "300 MiB -F 32" 307200 -F 32
same_layout "1 GiB -F 32 -s 1" 1048576 -F 32 -s 1
same_layout "64 MiB -s 16" 65536 -s 16
same_layout "1440 KiB -s 4" 1440 -s 4

# Each type: clean, usable by mtools and fs-fat, label and id as given.
mkfile "$tmp/src" 70000 3
for spec in "12:8M" "16:64M" "32:300M" "32:1G:-S 4096"; do
	fat_t=${spec%%:*} rest=${spec#*:} size=${rest%%:*} extra=
	case $rest in *:*) extra=${rest#*:} ;; esac
	n="FAT$fat_t $size${extra:+ $extra}" img=$tmp/t.img
	rm -f "$img"
	# shellcheck disable=SC2086
	t "$n: mkfs" 0 "$FATTOOL" --image "$img" mkfs -F "$fat_t" $extra -n "My Disk" -i 1234abcd "$size"
	# Nothing used but FAT32's root folder cluster.
	used=0
	[ "$fat_t" = 32 ] && used=$(sed -n 's/^cluster_size: //p' "$tmp/out")
	grep -qx "type: FAT$fat_t" "$tmp/out" && grep -qx "label: MY DISK" "$tmp/out" &&
		grep -qx "used_bytes: $used" "$tmp/out" && ok "$n: mkfs reports the new volume" ||
		ko "$n: mkfs does not report type, label and $used bytes used"
	fsck_clean "$n" "$img"
	if mdir -i "$img" ::/ >"$tmp/out" 2>"$tmp/err" &&
		grep -q "Volume in drive : is MY DISK" "$tmp/out" &&
		grep -q "Serial Number is 1234-ABCD" "$tmp/out" &&
		grep -q "No files" "$tmp/out"; then
		ok "$n: mdir sees an empty volume MY DISK, serial 1234-ABCD"
	else
		ko "$n: mdir does not see the label, the serial or an empty folder"
	fi
	mcopy -i "$img" "$tmp/src" "::/From mtools.bin" && mmd -i "$img" ::/DIR ||
		ko "$n: mtools cannot write"
	t "$n: fs-fat writes a file" 0 "$FATTOOL" --image "$img" put "$tmp/src" "/DIR/from fs-fat.bin"
	mtools_same "$n" "$img" "/DIR/from fs-fat.bin" "$tmp/src"
	"$FATTOOL" --image "$img" cat "/From mtools.bin" >"$tmp/back" &&
		cmp -s "$tmp/back" "$tmp/src" && ok "$n: fs-fat reads what mtools wrote" ||
		ko "$n: fs-fat does not read what mtools wrote"
	fsck_clean "$n: after the writes" "$img"
done

# Without SIZE an existing file is formatted as large as it is, and what
# was on it is gone.
img=$tmp/re.img
mkimg 16 "$img"
mcopy -i "$img" "$tmp/src" ::/OLD.BIN
t "mkfs over an old volume" 0 "$FATTOOL" --image "$img" mkfs
grep -qx "total_bytes: .*" "$tmp/out" && ! mdir -i "$img" ::/OLD.BIN >/dev/null 2>&1 &&
	ok "mkfs over an old volume: the old file is gone" ||
	ko "mkfs over an old volume: the old file is still there"
[ "$(stat -c %s "$img")" = 16777216 ] && ok "mkfs without SIZE keeps the file's size" ||
	ko "mkfs without SIZE changed the file's size"
fsck_clean "mkfs over an old volume" "$img"
t "mkfs of a missing image without SIZE is exit 3" 3 "$FATTOOL" --image "$tmp/none.img" mkfs
[ ! -e "$tmp/none.img" ] && ok "mkfs without SIZE does not create the file" ||
	ko "mkfs without SIZE created the file"

# -c: the fs-fat device of a configuration, its relative path taken from
# the configuration's folder, even when read_only was set for the fs.
mkdir "$tmp/cfg"
truncate -s 32M "$tmp/cfg/disk.img"
cat >"$tmp/cfg/c.json" <<EOF2
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "disk.img"},
  "vol": {"provider": "fs-fat", "on": "file", "read_only": true}}}
EOF2
t "mkfs -c CONFIG" 0 "$FATTOOL" -c "$tmp/cfg/c.json" mkfs -n CFG
grep -qx "type: FAT16" "$tmp/out" && grep -qx "read_only: false" "$tmp/out" &&
	ok "mkfs -c CONFIG: FAT16 on 32 MiB" || ko "mkfs -c CONFIG: not FAT16, or read-only"
fsck_clean "mkfs -c CONFIG" "$tmp/cfg/disk.img"
t "mkfs -c CONFIG SIZE is a usage error" 2 "$FATTOOL" -c "$tmp/cfg/c.json" mkfs 1M
errsays "mkfs -c CONFIG SIZE" "SIZE is for --image"
cat >"$tmp/cfg/ro.json" <<EOF2
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "disk.img", "read_only": true},
  "vol": {"provider": "fs-fat", "on": "file"}}}
EOF2
t "mkfs on a read-only device is exit 3" 3 "$FATTOOL" -c "$tmp/cfg/ro.json" mkfs
errsays "mkfs on a read-only device" "mkfs: the device is read-only"
cat >"$tmp/cfg/two.json" <<EOF2
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "disk.img"},
  "a": {"provider": "fs-fat", "on": "file"},
  "b": {"provider": "fs-fat", "on": "file"}}}
EOF2
t "mkfs -c with two fs-fat devices is a usage error" 2 "$FATTOOL" -c "$tmp/cfg/two.json" mkfs
errsays "mkfs -c with two fs-fat devices" "has 2 fs-fat devices; mkfs needs exactly one"

# Impossible combinations: refused with the reason, nothing written.
img=$tmp/no.img
for bad in "-F 12:300M:FAT12 needs 1 to 4084 clusters" \
	"-F 16:1M:FAT16 needs 4085 to 65524 clusters" \
	"-F 16:4G:FAT16 needs 4085 to 65524 clusters" \
	"-F 32:32M:FAT32 needs 65525 to 268435445 clusters" \
	"-s 64:1G:at that cluster size" \
	"-F 12 -s 1:8M:FAT12 needs 1 to 4084 clusters: 8388608 bytes in 512-byte sectors at that cluster size" \
	"-s 1:64M:hold no FAT12 or FAT16 filesystem"; do
	opts=${bad%%:*} rest=${bad#*:} size=${rest%%:*} why=${rest#*:}
	rm -f "$img"
	truncate -s "$size" "$img"
	# shellcheck disable=SC2086
	t "mkfs $opts on $size is refused" 3 "$FATTOOL" --image "$img" mkfs $opts
	errsays "mkfs $opts on $size" "$why"
	cmp -s -n 1048576 "$img" /dev/zero &&
		ok "mkfs $opts on $size wrote nothing" || ko "mkfs $opts on $size wrote to the image"
done
rm -f "$img"
truncate -s 8M "$img"
t "mkfs -S 4096 on 512-byte sectors of a device is fine" 0 "$FATTOOL" --image "$img" mkfs -S 4096
fsck_clean "mkfs -S 4096" "$img"

# Usage errors: exit 2, nothing created.
for bad in "-F 13" "-F" "-S 1000" "-S 8192" "-s 3" "-s 256" "-s 0" "-i xyz" \
	"-i 123456789" "-n TWELVE_CHARS" "-x 1" "1Q" "0" "-- -1" "1M 2M"; do
	# shellcheck disable=SC2086
	t "mkfs $bad is a usage error" 2 "$FATTOOL" --image "$tmp/u.img" mkfs $bad
done
[ ! -e "$tmp/u.img" ] && ok "usage errors create no file" || ko "a usage error created the file"
rm -f "$img"
for lab in 'a.b' 'x*y' ' lead'; do
	t "mkfs -n \"$lab\" is refused" 3 "$FATTOOL" --image "$img" mkfs -n "$lab" 1M
	errsays "mkfs -n \"$lab\"" "mkfs_label"
done
finish
