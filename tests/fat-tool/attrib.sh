#!/bin/sh
# attrib.sh: attributes and times through the fs signature (minor 1), on
# FAT12/16/32 images made by mkfs.fat, against mtools: attributes that
# mattrib sets show in `devmgr-fat ls -l` and `attrib`; what `attrib`
# sets, mattrib shows; a read-only file is refused for put (EPERM), rm
# and mv over it, and taken again once the attribute is cleared; `put`
# keeps the source's modification time at FAT's 2 seconds (mdir and
# mcopy -m agree); fsck.fat -n stays clean.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatattr) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
need_tools
need_fsfat_write
command -v mattrib >/dev/null 2>&1 || skip "mattrib is not installed"

# mattr IMAGE PATH: the attribute letters mattrib shows, as "rhsa"/"-"
mattr() {
	mattrib -i "$1" "::$2" | "$PY" -c '
import sys
line = sys.stdin.readline()
flags = line[:line.index("::/")]
print("".join(c.lower() if c in flags else "-" for c in "RHSA"))'
}
# fattr IMAGE PATH: the same from devmgr-fat ls -l
fattr() {
	"$FATTOOL" --image "$1" ls -l "$2" | awk '{ print $2 }'
}
mkfile "$tmp/src" 5000 1
for fat in 12 16 32; do
	n=FAT$fat img=$tmp/f$fat.img
	mkimg $fat "$img"
	for f in PLAIN RO HID SYS NOARC ALL; do
		mcopy -i "$img" "$tmp/src" ::/$f.TXT
	done
	mmd -i "$img" ::/DIR
	mcopy -i "$img" "$tmp/src" ::/DIR/IN.TXT
	mattrib -i "$img" +r ::/DIR/IN.TXT
	mattrib -i "$img" +r ::/RO.TXT
	mattrib -i "$img" +h ::/HID.TXT
	mattrib -i "$img" +s ::/SYS.TXT
	mattrib -i "$img" -a ::/NOARC.TXT
	mattrib -i "$img" +r +h +s ::/ALL.TXT
	bad=0
	for f in PLAIN RO HID SYS NOARC ALL; do
		m=$(mattr "$img" /$f.TXT) d=$(fattr "$img" /$f.TXT)
		[ "$m" = "$d" ] || { bad=1; ko "$n $f.TXT: mattrib says $m, ls -l $d"; }
	done
	[ $bad = 0 ] && ok "$n: ls -l shows the attributes mattrib set (r, h, s, no a, rhsa)"
	t "$n attrib without changes" 0 "$FATTOOL" --image "$img" attrib /ALL.TXT
	[ "$(cat "$tmp/out")" = "rhsa /ALL.TXT" ] && ok "$n: attrib /ALL.TXT prints rhsa" ||
		ko "$n: attrib prints $(cat "$tmp/out")"

	# set with attrib, read with mattrib
	t "$n attrib +h-a" 0 "$FATTOOL" --image "$img" attrib +h-a /PLAIN.TXT
	[ "$(mattr "$img" /PLAIN.TXT)" = "-h--" ] && ok "$n: mattrib sees +h-a" ||
		ko "$n: mattrib sees $(mattr "$img" /PLAIN.TXT) after +h-a"
	t "$n attrib +r +s on a folder" 0 "$FATTOOL" --image "$img" attrib +r +s /DIR
	[ "$(mattr "$img" /DIR)" = "r-s-" ] && ok "$n: mattrib sees r and s on the folder" ||
		ko "$n: folder: $(mattr "$img" /DIR)"

	# read-only: refused until cleared
	sum=$(mtype -i "$img" ::/RO.TXT | cksum)
	t "$n put over a read-only file" 1 "$FATTOOL" --image "$img" put "$tmp/src" /RO.TXT &&
		errsays "$n put" "put /RO.TXT: Operation not permitted (EPERM)"
	t "$n rm of a read-only file" 1 "$FATTOOL" --image "$img" rm /RO.TXT &&
		errsays "$n rm" "rm /RO.TXT: Operation not permitted (EPERM)"
	t "$n mv over a read-only file" 1 "$FATTOOL" --image "$img" mv /PLAIN.TXT /RO.TXT &&
		errsays "$n mv" "(EPERM)"
	t "$n rm -r of a folder holding one" 1 "$FATTOOL" --image "$img" rm -r /DIR &&
		errsays "$n rm -r" "rm /DIR/IN.TXT: Operation not permitted (EPERM)"
	[ "$(mtype -i "$img" ::/RO.TXT | cksum)" = "$sum" ] && mdir -a -i "$img" ::/PLAIN.TXT >/dev/null 2>&1 &&
		mdir -a -i "$img" ::/DIR/IN.TXT >/dev/null 2>&1 &&
		ok "$n: the read-only file and the others are as they were" || ko "$n: RO.TXT changed"
	t "$n attrib -r" 0 "$FATTOOL" --image "$img" attrib -r /RO.TXT
	t "$n put once writable" 0 "$FATTOOL" --image "$img" put "$tmp/src" /RO.TXT
	t "$n rm once writable" 0 "$FATTOOL" --image "$img" rm /RO.TXT

	# put keeps the source's mtime: 2 seconds, rounded down
	touch -d '2023-05-06 07:08:09 UTC' "$tmp/src"
	t "$n put with a time" 0 "$FATTOOL" --image "$img" put "$tmp/src" /TIMED.TXT
	"$FATTOOL" --image "$img" ls -l /TIMED.TXT >"$tmp/out"
	grep -q " 2023-05-06 07:08:08 TIMED.TXT$" "$tmp/out" &&
		ok "$n: ls -l shows the source's time, 07:08:09 rounded to 07:08:08" ||
		ko "$n: ls -l $(cat "$tmp/out")"
	TZ=UTC mdir -i "$img" ::/TIMED.TXT | grep -q "2023-05-06   7:08" &&
		ok "$n: mdir shows 2023-05-06 7:08" || ko "$n: mdir $(TZ=UTC mdir -i "$img" ::/TIMED.TXT | grep TIMED)"
	rm -f "$tmp/back"
	TZ=UTC mcopy -m -n -i "$img" ::/TIMED.TXT "$tmp/back"
	[ "$(stat -c %Y "$tmp/back")" = "$(date -u -d '2023-05-06 07:08:08' +%s)" ] &&
		ok "$n: mcopy -m gives back 07:08:08" || ko "$n: mcopy -m gives $(stat -c %y "$tmp/back")"
	touch -d '2024-01-01 00:00:00 UTC' "$tmp/src"
	fsck_clean "$n" "$img"
done

t "attrib with a bad change" 2 "$FATTOOL" --image "$img" attrib +x /ALL.TXT &&
	errsays "attrib +x" 'unknown attribute in "+x"'
t "attrib that sets and clears" 2 "$FATTOOL" --image "$img" attrib +r-r /ALL.TXT
t "attrib of a missing file" 1 "$FATTOOL" --image "$img" attrib +r /NONE.TXT &&
	errsays "attrib missing" "attrib /NONE.TXT: No such file or directory (ENOENT)"
t "attrib of the root" 1 "$FATTOOL" --image "$img" attrib +h /
finish
