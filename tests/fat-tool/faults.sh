#!/bin/sh
# faults.sh: I/O errors injected by blk-debug (blk-file -> blk-debug ->
# fs-fat) into each write of a put (new file, in a folder, over a file),
# a mkdir, an rm -r and a mv across folders, on FAT12, FAT16
# and FAT32.  Each time the command must fail (exit 1, EIO named), the
# files complete before must stay intact and readable by mtools, a moved
# file must be under exactly one of its names, and fsck.fat -n may
# complain only about what fsck_filter.py always accepts: lost clusters,
# the dirty bit, the second FAT copy and the FSInfo hint; not even about
# the entry that was being written.  Failed reads and flushes must be
# reported too.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatfault) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

need_tools
need_fsfat_write
[ -e "$PLUGINS/blk-debug.so" ] || skip "blk-debug is not built"

# cfg IMAGE 'BLK-DEBUG PARAMS': the stacked configuration, in $tmp/cfg.json.
cfg() {
	cat >"$tmp/cfg.json" <<EOF
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "$1"},
  "dbg": {"provider": "blk-debug", "on": "file", "trace": "$tmp/trace"${2:+, $2}},
  "fs": {"provider": "fs-fat", "on": "dbg"}}}
EOF
}

# The k values tried for N writes: every one (today's operations make
# about 20 at most), else, should one grow past 32 writes, the first six,
# the last four and six spread between, to keep the test short (the
# schedule is deterministic, so the same ones run every time).
ks() {
	if [ "$1" -le 32 ]; then
		seq 1 "$1"
	else
		{ seq 1 6; seq $(($1 - 3)) "$1"; seq 7 $((($1 - 10) / 6 + 1)) $(($1 - 4)) | head -n 6; } | sort -nu
	fi
}

mkfile "$tmp/keep1" 3000 1
mkfile "$tmp/keep2" 40000 2
mkfile "$tmp/new" 20000 3

# check_after NAME IMAGE PATHS: what a failed operation may leave.  PATHS
# is the entry the operation was writing, or for mv "FROM|TO": files
# there are not compared with what they were.
check_after() {
	cname=$1 cimg=$2 cpaths=$3 oldifs=$IFS
	fsck.fat -n "$cimg" >"$tmp/fsck" 2>&1
	if "$PY" "$FSCK_FILTER" <"$tmp/fsck" >"$tmp/out"; then
		pass=$((pass + 1))
	else
		ko "$cname: fsck.fat -n finds more than the lost write: $(tr '\n' ' ' <"$tmp/out")"
	fi
	# One mcopy for every file that the operation did not touch.
	rm -rf "$tmp/rd"
	mkdir "$tmp/rd"
	set --
	for p in /KEEP1.TXT "/Keep Dir/keep two.bin" /OLD/O1.TXT /OLD/sub/o2.bin; do
		touched=false
		IFS='|'
		for cp in $cpaths; do
			case $p in "$cp"/* | "$cp") touched=true ;; esac
		done
		IFS=$oldifs
		$touched || set -- "$@" "::$p"
	done
	mcopy -n -i "$cimg" "$@" "$tmp/rd/" 2>"$tmp/err" || ko "$cname: mcopy cannot read what was there before"
	for f in KEEP1.TXT:keep1 "keep two.bin:keep2" O1.TXT:keep1 o2.bin:keep2; do
		got="$tmp/rd/${f%%:*}"
		[ -e "$got" ] || continue
		cmp -s "$got" "$tmp/${f##*:}" && pass=$((pass + 1)) || ko "$cname: ${f%%:*} is not intact"
	done
	[ "$(ls "$tmp/rd" | wc -l)" -eq $# ] || ko "$cname: only $(ls "$tmp/rd" | wc -l) of $# files came back"
}

# run_faults NAME BASE PATH COMMAND...: the command once without a fault
# (counting its writes in the trace), then once per chosen k with the k-th
# write failing, each on a fresh copy of BASE.
run_faults() {
	name=$1 base=$2 path=$3
	shift 3
	cp "$base" "$tmp/img"
	cfg "$tmp/img" ""
	if ! "$FATTOOL" -c "$tmp/cfg.json" "$@" >"$tmp/out" 2>"$tmp/err"; then
		ko "$name without a fault"
		return
	fi
	writes=$(grep -c '^[0-9]* write .* 0$' "$tmp/trace")
	ok "$name without a fault ($writes writes)"
	for k in $(ks "$writes"); do
		cp "$base" "$tmp/img"
		cfg "$tmp/img" "\"fail_write\": $k"
		"$FATTOOL" -c "$tmp/cfg.json" "$@" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if { [ $rc -eq 1 ] || [ $rc -eq 3 ]; } && grep -q "EIO\|Input/output error" "$tmp/err"; then
			pass=$((pass + 1))
		else
			ko "$name, write $k of $writes fails: exit $rc, expected 1 or 3 naming EIO"
		fi
		check_after "$name, write $k of $writes fails" "$tmp/img" "$path"
		case $path in *'|'*)
			names=0
			for mp in "${path%%|*}" "${path##*|}"; do
				rm -f "$tmp/mt"
				mcopy -n -i "$tmp/img" "::$mp" "$tmp/mt" 2>/dev/null &&
					cmp -s "$tmp/mt" "$tmp/keep2" && names=$((names + 1))
			done
			[ $names -eq 0 ] && mv_lost=$((mv_lost + 1))
			[ $names -eq 2 ] && mv_both=$((mv_both + 1)) ;;
		esac
	done
	ok "$name: $(ks "$writes" | wc -l) faults checked"
}

# mv_kept NAME: after each failed mv of run_faults, the moved file was
# readable under exactly one of its names (counted in run_faults): a
# failed move takes back the name it added, so that no two entries share
# the file's clusters.
mv_kept() {
	[ "$mv_lost" -eq 0 ] && ok "$1: the file kept one of its names every time" ||
		ko "$1: the file was lost $mv_lost times"
	[ "$mv_both" -eq 0 ] && ok "$1: never under both names" ||
		ko "$1: the file was under both names $mv_both times"
	mv_lost=0 mv_both=0
}
mv_lost=0 mv_both=0

for fat in 12 16 32; do
	n=FAT$fat
	base="$tmp/base$fat.img"
	mkimg $fat "$base"
	mcopy -i "$base" "$tmp/keep1" ::/KEEP1.TXT
	mmd -i "$base" "::/Keep Dir" ::/OLD ::/OLD/sub
	mcopy -i "$base" "$tmp/keep2" "::/Keep Dir/keep two.bin"
	mcopy -i "$base" "$tmp/keep1" ::/OLD/O1.TXT
	mcopy -i "$base" "$tmp/keep2" ::/OLD/sub/o2.bin

	run_faults "$n put" "$base" /NEW.BIN put "$tmp/new" /NEW.BIN
	run_faults "$n put into a folder" "$base" "/Keep Dir/NEW.BIN" put "$tmp/new" "/Keep Dir/NEW.BIN"
	run_faults "$n put over a file" "$base" /KEEP1.TXT put "$tmp/new" /KEEP1.TXT
	run_faults "$n mkdir" "$base" /NEWDIR mkdir /NEWDIR
	run_faults "$n rm -r" "$base" /OLD rm -r /OLD
	run_faults "$n mv across folders" "$base" "/Keep Dir/keep two.bin|/MOVED.BIN" \
		mv "/Keep Dir/keep two.bin" /MOVED.BIN
	mv_kept "$n mv across folders"
done

# A failed read and a failed flush are errors too, never silent.
base="$tmp/base12.img"
cp "$base" "$tmp/img"
cfg "$tmp/img" ""
"$FATTOOL" -c "$tmp/cfg.json" cat "/Keep Dir/keep two.bin" >/dev/null 2>&1
reads=$(grep -c '^[0-9]* read .* 0$' "$tmp/trace")
k=1
while [ $k -le "$reads" ]; do
	cfg "$tmp/img" "\"fail_read\": $k"
	"$FATTOOL" -c "$tmp/cfg.json" cat "/Keep Dir/keep two.bin" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	# The first reads are the mount's: the device cannot be set up (3).
	if { [ $rc -eq 1 ] || [ $rc -eq 3 ]; } && grep -q "EIO\|Input/output error" "$tmp/err"; then
		pass=$((pass + 1))
	else
		ko "cat, read $k of $reads fails: exit $rc, expected 1 or 3 naming EIO"
	fi
	k=$((k + 1))
done
ok "cat: each of $reads reads failed once"
# fs-fat flushes once when it marks the volume in use, then in each sync.
cfg "$tmp/img" "\"fail_flush\": 1"
t "failing flush at mount" 3 "$FATTOOL" -c "$tmp/cfg.json" put "$tmp/new" /FLUSH.BIN
cfg "$tmp/img" "\"fail_flush\": 2"
t "failing flush in sync" 1 "$FATTOOL" -c "$tmp/cfg.json" put "$tmp/new" /FLUSH.BIN
errsays "failing flush in sync" "(EIO)"
cfg "$tmp/img" "\"bad_start\": 0, \"bad_count\": 1, \"bad_ops\": \"r\""
t "unreadable boot sector" 3 "$FATTOOL" -c "$tmp/cfg.json" ls /

finish
