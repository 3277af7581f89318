#!/bin/sh
# bigdir.sh: a folder of 10,000 entries made through fs-fat (long names
# whose 8.3 aliases must all differ) passes fsck.fat -n, mdir lists the
# same names, and fs-fat finds each one again, case-insensitively.  Then
# a folder filled by mtools reads back through fs-fat.
. "$top_srcdir/tests/fs/lib.sh"
img=$tmp/img
n=10000
mkfs.fat -C -F 32 "$img" 65536 >/dev/null 2>&1
if "$shell" "$img" mkdir /Big \; mkfiles /Big $n \; lookup /Big $n; then
	ok "$n files made and found again (case-insensitively) through fs-fat"
else
	fail "making or finding $n files"
fi
fsck_ok "$img" "a folder of $n entries"
mdir -i "$img" -/ -a ::/ | python3 "$mdir_list" | LC_ALL=C sort >"$tmp/l.m"
i=0
python3 -c "
for i in range($n):
    print('F /Big/File number %05d with a long name.txt 0' % i)
print('D /Big')" | LC_ALL=C sort >"$tmp/l.e"
if cmp -s "$tmp/l.e" "$tmp/l.m"; then
	ok "mdir lists the $n names"
else
	fail "mdir lists other names"
	diff "$tmp/l.e" "$tmp/l.m" | head
fi
# the 8.3 aliases are all different (mdir's first column)
dups=$(mdir -i "$img" -a ::/Big | grep ' 0 ' | cut -c1-12 | sort | uniq -d |
	head -3)
[ -z "$dups" ] && ok "the $n 8.3 aliases differ" || fail "duplicate aliases: $dups"
# delete most of them: the folder shrinks, and fsck still agrees
if "$shell" "$img" rmfiles /Big 100 10000 \; ls /Big >"$tmp/after"; then
	[ "$(wc -l <"$tmp/after")" = 100 ] && ok "9,900 deleted, 100 left" ||
		fail "after deleting: $(wc -l <"$tmp/after") entries"
else
	fail "deleting 9,900 files"
fi
fsck_ok "$img" "after deleting 9,900 entries"

# mtools fills a folder; fs-fat lists and reads it as mdir does
rm -f "$img"
mkfs.fat -C -F 16 "$img" 16384 >/dev/null 2>&1
mkdir "$tmp/many"
i=0
while [ $i -lt 300 ]; do
	echo "$i" >"$tmp/many/mtools file $i.txt"
	i=$((i + 1))
done
mmd -i "$img" ::/many
mcopy -i "$img" "$tmp"/many/* ::/many/
same_listing 512 "$img" "a folder of 300 files made by mtools"
same_content 512 "$img" "a folder of 300 files made by mtools"
exit $failed
