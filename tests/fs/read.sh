#!/bin/sh
# read.sh: images made and filled by dosfstools and mtools (long names,
# non-ASCII names, nested folders, empty files, files of exactly one
# cluster and one byte more, fragmented files), for FAT12, FAT16 and FAT32
# with 512- and 4096-byte sectors and several cluster sizes.  Through
# fs-fat (read-only), every file reads byte for byte as mtools reads it and
# the listing agrees with mdir on names and sizes.
. "$top_srcdir/tests/fs/lib.sh"

populate() { # IMAGE CLUSTER_BYTES
	i=$1
	cs=$2
	mmd -i "$i" ::/Dir1 ::/Dir1/Nested ::/Dir1/Nested/Deep \
		"::/Ünïcödé Földer" ::/EmptyDir ::/frag
	: >"$tmp/empty"
	mcopy -i "$i" "$tmp/empty" ::/empty.txt
	mcopy -i "$i" "$tmp/empty" "::/Dir1/Nested/Deep/empty too"
	rand_file "$tmp/c1" "$cs"
	mcopy -i "$i" "$tmp/c1" "::/Dir1/exactly one cluster.bin"
	rand_file "$tmp/c2" $((cs + 1))
	mcopy -i "$i" "$tmp/c2" "::/Dir1/Nested/one cluster and one byte.bin"
	rand_file "$tmp/s" 100
	mcopy -i "$i" "$tmp/s" "::/Ünïcödé Földer/日本語のファイル名.txt"
	mcopy -i "$i" "$tmp/s" "::/Ünïcödé Földer/Ελληνικά και кириллица.txt"
	mcopy -i "$i" "$tmp/s" "::/Dir1/Nested/Deep/a name that is really quite long, longer than thirteen characters, and then some more.data"
	for n in lower.txt UPPER.TXT Mixed.Txt "with space.txt" \
		dots.in.name.tar.gz "Long File Name 1.txt" \
		"Long File Name 2.txt" "Long File Name 3.txt" \
		"Long File Name 4.txt" "Long File Name 5.txt" \
		"Long File Name 6.txt"; do
		rand_file "$tmp/n" 33
		mcopy -i "$i" "$tmp/n" "::/$n"
	done
	# interleaved writes and deletions leave the big file in pieces
	for k in 1 2 3 4 5 6; do
		rand_file "$tmp/data" $((3 * cs))
		mcopy -i "$i" "$tmp/data" "::/frag/piece $k"
	done
	mdel -i "$i" "::/frag/piece 2" "::/frag/piece 4"
	rand_file "$tmp/data" $((10 * cs + 17))
	mcopy -i "$i" "$tmp/data" "::/frag/fragmented file.bin"
}

check() { # FAT SECTOR SPC KIB
	what="FAT$1 -S $2 -s $3"
	img=$tmp/img
	rm -f "$img"
	if ! mkfs.fat -C -F "$1" -S "$2" -s "$3" -n "VOL$1" "$img" "$4" \
		>/dev/null 2>&1; then
		fail "$what: mkfs.fat failed"
		return
	fi
	populate "$img" $(($2 * $3))
	vol=$("$shell" -s "$2" -r "$img" volume)
	case $vol in
	"type FAT$1 label \"VOL$1\" cluster $(($2 * $3)) "*" ro")
		ok "$what: mounted as FAT$1, label VOL$1" ;;
	*) fail "$what: volume says: $vol" ;;
	esac
	same_listing "$2" "$img" "$what"
	same_content "$2" "$img" "$what"
}

check 12 512 1 2048
check 12 4096 2 16384
check 12 512 8 8192
check 16 512 4 16384
check 16 4096 1 32768
check 16 512 64 163840
check 32 512 1 36864
check 32 4096 1 278528
check 32 512 8 278528

# devmgr probe shows the fs device with its label (examples/fs-fat.json's
# shape, over the last image)
cat >"$tmp/probe.json" <<JSON
{ "devmgr": 1, "devices": {
  "disk": { "provider": "blk-file", "path": "$img", "read_only": true },
  "htdocs": { "provider": "fs-fat", "on": "disk" } } }
JSON
out=$("$top_builddir/apps/devmgr/devmgr" probe --json -c "$tmp/probe.json" 2>&1)
case $out in
*'"id":"htdocs","signature":"fs","provider":"fs-fat","state":"ok"'*'"type":"FAT32","label":"VOL32"'*'"read_only":true'*)
	ok "devmgr probe: fs-fat on a read-only blk-file, label VOL32, read-only" ;;
*) fail "devmgr probe: $out" ;;
esac

# A volume with 4096-byte sectors on a device with 512-byte sectors works;
# the other way round is refused, naming the field.
if "$shell" -s 512 -r "$img" tree >/dev/null; then
	ok "4096-byte FAT sectors on a 512-byte blk device"
else
	fail "4096-byte FAT sectors on a 512-byte blk device"
fi
rm -f "$img"
mkfs.fat -C -F 16 "$img" 16384 >/dev/null 2>&1
err=$("$shell" -s 4096 -r "$img" tree 2>&1)
case $err in
*"BPB_BytsPerSec = 512 is not a multiple of the device's sector size 4096"*)
	ok "512-byte FAT sectors on a 4096-byte device: refused clearly" ;;
*) fail "512-byte FAT sectors on a 4096-byte device: $err" ;;
esac
exit $failed
