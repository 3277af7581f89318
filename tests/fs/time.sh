#!/bin/sh
# time.sh: FAT times are local times without a zone; fs-fat's utc_offset
# (minutes east of UTC, default 0) says which.  mtools writes and reads
# them in the zone TZ says (mcopy -m), so files copied in under Tokyo's,
# New York's and UTC's TZ read back with the source's mtime when
# utc_offset matches, and what fs-fat writes reads back in mtools with
# the right time.  The site image of www is built with TZ=UTC, so its
# times are the sources' own.
. "$top_srcdir/tests/fs/lib.sh"

img=$tmp/t.img
mkfs.fat -C "$img" 2048 >/dev/null 2>&1 || fail "mkfs.fat"
echo hello >"$tmp/src"
touch -d '2024-03-01 12:00:00 UTC' "$tmp/src"
t0=$(stat -c %Y "$tmp/src")
TZ=JST-9 mcopy -m -i "$img" "$tmp/src" ::/TOKYO.TXT
TZ=EST5 mcopy -m -i "$img" "$tmp/src" ::/NY.TXT
TZ=UTC mcopy -m -i "$img" "$tmp/src" ::/UTC.TXT

mtime() { # OFFSET PATH
	"$shell" -r -o "\"utc_offset\": $1" "$img" stat "$2" 2>&1 |
		sed -n 's/.* mtime \([0-9-]*\)$/\1/p'
}
for c in 540:/TOKYO.TXT:0 -300:/NY.TXT:0 0:/UTC.TXT:0 0:/TOKYO.TXT:32400 \
	 0:/NY.TXT:-18000; do
	off=${c%%:*} rest=${c#*:}
	p=${rest%%:*} delta=${rest#*:}
	got=$(mtime "$off" "$p")
	if [ "$got" = $((t0 + delta)) ]; then
		ok "utc_offset $off: $p reads as $(date -u -d "@$got" '+%F %T') UTC"
	else
		fail "utc_offset $off: $p reads as $got, wanted $((t0 + delta))"
	fi
done

# Written by fs-fat at utc_offset 540, read by mtools in Tokyo's zone.
before=$(date +%s)
"$shell" -o '"utc_offset": 540' "$img" write /NEW.TXT 100 1 || fail "write"
after=$(date +%s)
rm -f "$tmp/out"
TZ=JST-9 mcopy -m -n -i "$img" ::/NEW.TXT "$tmp/out"
t=$(stat -c %Y "$tmp/out")
if [ "$t" -ge $((before - 2)) ] && [ "$t" -le "$after" ]; then
	ok "written at utc_offset 540, mtools in TZ=JST-9 reads the time it was written"
else
	fail "written at utc_offset 540: mtools reads $t, wanted $before..$after"
fi
got=$(mtime 540 /NEW.TXT)
[ "$got" = "$t" ] && ok "and fs-fat reads it back the same ($got)" ||
	fail "fs-fat reads $got, mtools $t"

# Out of range: -720..840 minutes.
out=$("$shell" -o '"utc_offset": 900' "$img" volume 2>&1)
case $out in
*utc_offset*) ok "utc_offset 900 refused: $(echo "$out" | head -1)" ;;
*) fail "utc_offset 900: $out" ;;
esac

# The site image: every file's time is its source's (2-second steps).
site=$top_builddir/apps/www/site.img
if [ -e "$site" ]; then
	bad=0
	for f in index.html style.css about/index.html; do
		src=$(stat -c %Y "$top_srcdir/site/$f")
		got=$("$shell" -r "$site" stat "/$f" | sed -n 's/.* mtime //p')
		[ "$got" = $((src - src % 2)) ] || { bad=1; fail "site.img /$f: $got, source $src"; }
	done
	[ $bad = 0 ] && ok "site.img: the files' times are their sources' (built with TZ=UTC)"
fi
exit $failed
