#!/bin/sh
# mount_faults.sh: a read error while fs-fat mounts a read-write volume
# (blk-file -> blk-debug -> fs-fat) must fail the command and leave the
# image as it was: files intact, fsck.fat -n with nothing beyond what
# fsck_filter.py accepts (at most the dirty bit).  Each read before the
# mount's first write fails in turn, on FAT12, FAT16 and FAT32.
#
# It found a bug, now fixed: when the FAT could not be read, fs-fat still
# wrote the "volume in use" mark from its unfilled FAT cache, zeroing the
# first sector of both FATs on FAT16 and FAT32.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatmount) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

need_tools
need_fsfat_write
[ -e "$PLUGINS/blk-debug.so" ] || skip "blk-debug is not built"

cfg() {
	cat >"$tmp/cfg.json" <<EOF
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "$tmp/img"},
  "dbg": {"provider": "blk-debug", "on": "file", "trace": "$tmp/trace"${1:+, $1}},
  "fs": {"provider": "fs-fat", "on": "dbg"}}}
EOF
}

mkfile "$tmp/keep" 3000 1
for fat in 12 16 32; do
	n=FAT$fat
	base="$tmp/base.img"
	mkimg $fat "$base"
	mcopy -i "$base" "$tmp/keep" ::/KEEP.TXT
	cp "$base" "$tmp/img"
	cfg ""
	"$FATTOOL" -c "$tmp/cfg.json" mkdir /X >"$tmp/out" 2>"$tmp/err" || ko "$n mkdir without a fault"
	# The reads before the first write: the mount's.
	reads=$(awk '$2 == "write" { exit } $2 == "read" { n++ } END { print n + 0 }' "$tmp/trace")
	k=1
	while [ $k -le "$reads" ]; do
		cp "$base" "$tmp/img"
		cfg "\"fail_read\": $k"
		"$FATTOOL" -c "$tmp/cfg.json" mkdir /X >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -ne 0 ] || ko "$n mount read $k of $reads fails: exit 0"
		fsck.fat -n "$tmp/img" >"$tmp/fsck" 2>&1
		if "$PY" "$FSCK_FILTER" /X <"$tmp/fsck" >"$tmp/out"; then
			ok "$n mount read $k of $reads fails: fsck.fat -n accepts the image"
		else
			ko "$n mount read $k of $reads fails: fsck.fat -n finds damage"
		fi
		mtools_same "$n mount read $k of $reads fails" "$tmp/img" /KEEP.TXT "$tmp/keep"
		k=$((k + 1))
	done
done

finish
