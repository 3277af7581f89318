#!/bin/sh
# write.sh: files and folders written, renamed, truncated and deleted
# through fs-fat (the fs API over blk-file), on FAT12, FAT16 and FAT32 with
# 512- and 4096-byte sectors.  Afterwards fsck.fat -n exits 0 and mtools
# reads back exactly what was written; FSInfo and the dirty bit are right.
. "$top_srcdir/tests/fs/lib.sh"
fatcheck=$top_srcdir/tests/fs/fatcheck.py

# The expected tree is built on the host beside the image, step by step.
scenario() { # FAT SECTOR SPC KIB
	what="FAT$1 -S $2 -s $3 write"
	fat=$1
	ss=$2
	cs=$(($2 * $3))
	img=$tmp/img
	exp=$tmp/exp
	src=$tmp/src
	rm -rf "$img" "$exp" "$src"
	mkdir -p "$exp/Docs/Ünïcödé Sub" "$exp/Many" "$src"
	mkfs.fat -C -F "$1" -S "$2" -s "$3" "$img" "$4" >/dev/null 2>&1 ||
		{ fail "$what: mkfs.fat"; return; }
	rand_file "$src/a" $((3 * cs + 5))
	: >"$src/b"
	rand_file "$src/c" 1
	rand_file "$src/d" $((2 * cs))
	rand_file "$src/e" 300000
	rand_file "$src/t" 10000
	rand_file "$src/g" 100
	rand_file "$src/old" 50
	rand_file "$src/new" 70
	rand_file "$src/p" $((3 * cs))
	rand_file "$src/big" $((10 * cs + 3))
	set -- -s "$ss" "$img" \
		mkdir /Docs \; mkdir "/Docs/Ünïcödé Sub" \; \
		import "$src/a" "/Docs/Ünïcödé Sub/Long Name File A.bin" \; \
		import "$src/b" /empty \; import "$src/c" /c.txt \; \
		import "$src/d" /Docs/d.DAT \; mkdir /tmp \; \
		import "$src/e" /tmp/e.bin \; \
		mv /tmp/e.bin "/docs/renamed e with a long name.bin" \; \
		rmdir /TMP \; import "$src/t" /trunc.bin \; \
		truncate /trunc.bin 3000 \; import "$src/g" /grow.bin \; \
		truncate /grow.bin 5000 \; mv /c.txt /C.TXT \; \
		import "$src/old" /old \; import "$src/new" /new \; \
		mv /old /new \; mkdir /Many \; mkdir /mvd \; \
		mkdir "/mvd/inner folder" \; import "$src/g" "/mvd/inner folder/g" \; \
		mv "/mvd/inner folder" "/Docs/moved folder" \; rmdir /mvd
	i=0
	while [ $i -lt 40 ]; do
		set -- "$@" \; import "$src/g" "/Many/a rather long file name $i.txt"
		i=$((i + 1))
	done
	i=5
	while [ $i -lt 40 ]; do
		set -- "$@" \; rm "/Many/a rather long file name $i.txt"
		i=$((i + 1))
	done
	set -- "$@" \; import "$src/p" /p1 \; import "$src/p" /p2 \; \
		import "$src/p" /p3 \; rm /p2 \; import "$src/big" /big.bin \; \
		system "python3 $fatcheck $img state >$tmp/state.mounted"
	if ! "$shell" "$@"; then
		fail "$what: an operation failed"
		return
	fi
	cp "$src/a" "$exp/Docs/Ünïcödé Sub/Long Name File A.bin"
	cp "$src/b" "$exp/empty"
	cp "$src/c" "$exp/C.TXT"
	cp "$src/d" "$exp/Docs/d.DAT"
	cp "$src/e" "$exp/Docs/renamed e with a long name.bin"
	head -c 3000 "$src/t" >"$exp/trunc.bin"
	cp "$src/g" "$exp/grow.bin"
	truncate -s 5000 "$exp/grow.bin"
	cp "$src/old" "$exp/new"
	mkdir "$exp/Docs/moved folder"
	cp "$src/g" "$exp/Docs/moved folder/g"
	i=0
	while [ $i -lt 5 ]; do
		cp "$src/g" "$exp/Many/a rather long file name $i.txt"
		i=$((i + 1))
	done
	cp "$src/p" "$exp/p1"
	cp "$src/p" "$exp/p3"
	cp "$src/big" "$exp/big.bin"
	fsck_ok "$img" "$what"
	rm -rf "$tmp/m"
	mkdir "$tmp/m"
	mcopy -s -n -i "$img" '::*' "$tmp/m/" 2>/dev/null
	if diff -r "$exp" "$tmp/m" >"$tmp/diff" 2>&1; then
		ok "$what: mtools reads back exactly what was written"
	else
		fail "$what: mtools reads something else"
		head -20 "$tmp/diff"
	fi
	same_listing "$ss" "$img" "$what"
	# FAT times are read and written as UTC
	now=$(date -u +%s)
	mt=$("$shell" -s "$ss" -r "$img" stat /grow.bin | sed 's/.*mtime //')
	if [ $((now - mt)) -ge -5 ] && [ $((now - mt)) -le 60 ]; then
		ok "$what: mtime is now, in UTC ($mt vs $now)"
	else
		fail "$what: mtime $mt, now $now"
	fi
	mdate=$(mdir -i "$img" ::/grow.bin | grep -i '^grow' | awk '{print $4}')
	[ "$mdate" = "$(date -u +%Y-%m-%d)" ] && ok "$what: mdir shows today's UTC date" ||
		fail "$what: mdir shows $mdate"
	pieces=$(python3 "$fatcheck" "$img" pieces "BIG     BIN")
	[ "$pieces" -gt 1 ] && ok "$what: big.bin is fragmented ($pieces runs)" ||
		fail "$what: big.bin should be fragmented: $pieces"
	read -r st <"$tmp/state.mounted"
	case $fat in
	12) want="clean=1" ;;
	*) want="clean=0" ;;
	esac
	case $st in
	"$want "*) ok "$what: dirty bit while mounted ($st)" ;;
	*) fail "$what: while mounted: $st" ;;
	esac
	st=$(python3 "$fatcheck" "$img" state)
	case $st in
	*fats_equal=1) ok "$what: both FATs alike" ;;
	*) fail "$what: the FAT copies differ: $st" ;;
	esac
	case $st in
	"clean=1 fsinfo_free=- "*) ok "$what: clean after unmount ($st)" ;;
	clean=1\ fsinfo_free=*)
		set -- $st
		[ "${2#fsinfo_free=}" = "${3#fat_free=}" ] &&
			ok "$what: clean, FSInfo free count right ($st)" ||
			fail "$what: FSInfo free count wrong: $st" ;;
	*) fail "$what: after unmount: $st" ;;
	esac
}

scenario 12 512 1 2048
scenario 16 4096 1 32768
scenario 16 512 4 16384
scenario 32 512 1 36864
scenario 32 4096 2 540000

# Errors, each with its errno.
img=$tmp/img
out=$("$shell" "$img" \
	?open /nothing r \; ?open /Docs w \; ?open /C.TXT/x r \; \
	?mkdir /Docs \; ?open /c.txt rcx \; ?rmdir /Docs \; ?rm /Docs \; \
	?rmdir /C.TXT \; ?mv /Docs "/Docs/Ünïcödé Sub/x" \; \
	?mkdir "/bad*name" \; ?mkdir "/trailing dot." \; \
	?mkdir "/$(printf '%0256d' 0)" \; ?truncate /C.TXT 4294967296 \; \
	?write /C.TXT 2 1 4294967295 \; ?mv /Docs /C.TXT \; ?mv /C.TXT /Docs \; \
	?stat "/docs/ÜNÏCÖDÉ SUB/long name file a.BIN" \; ?rmdir / \; \
	?open / w \; ?rmdir /Docs/. \; ?mkdir /NEW/.. \; ?stat /Docs/../C.TXT \; \
	?mv /C.TXT /Docs/./C.TXT 2>&1)
expect="open ENOENT
open EISDIR
open ENOTDIR
mkdir EEXIST
open EEXIST
rmdir ENOTEMPTY
rm EISDIR
rmdir ENOTDIR
mv EINVAL
mkdir EINVAL
mkdir EINVAL
mkdir ENAMETOOLONG
truncate EFBIG
write EFBIG
mv ENOTDIR
mv EISDIR
stat OK
rmdir EBUSY
open EISDIR
rmdir EINVAL
mkdir EINVAL
stat EINVAL
mv EINVAL"
out=$(echo "$out" | grep -v '^/docs')
if [ "$out" = "$expect" ]; then
	ok "errors: each operation answers the expected errno"
else
	fail "errors differ (- expected, + got)"
	printf '%s\n' "$expect" >"$tmp/e1"
	printf '%s\n' "$out" >"$tmp/e2"
	diff -u "$tmp/e1" "$tmp/e2"
fi
fsck_ok "$img" "after the refused operations"

# Read-only: no write ops in the table, EROFS from the wrappers, nothing
# on the image changes.
sum1=$(md5sum <"$img")
out=$("$shell" -r "$img" ops \; ?open /x wc \; ?mkdir /y \; ?rm /C.TXT \; \
	?mv /C.TXT /D.TXT \; ?open /C.TXT r \; volume 2>&1)
sum2=$(md5sum <"$img")
case $out in
"write ops: 0 of 7
open EROFS
mkdir EROFS
rm EROFS
mv EROFS
open OK
type FAT"*" ro") ok "read_only: no write ops, EROFS, reads work" ;;
*) fail "read_only: $out" ;;
esac
[ "$sum1" = "$sum2" ] && ok "read_only: the image is untouched" ||
	fail "read_only: the image changed"

# Filling the disk ends in ENOSPC and a consistent filesystem.
for fat in 12 32; do
	rm -f "$img"
	if [ $fat = 12 ]; then kib=1024; else kib=36864; fi
	mkfs.fat -C -F $fat "$img" $kib >/dev/null 2>&1
	out=$("$shell" "$img" mkdir /d \; fill /d/fill \; ?write /d/more 1 1 \; \
		?mkdir /e \; volume)
	case $out in
	"fill /d/fill: ENOSPC after "*"write ENOSPC
mkdir ENOSPC
type FAT$fat "*" free 0 rw") ok "FAT$fat: filling ends in ENOSPC" ;;
	*) fail "FAT$fat fill: $out" ;;
	esac
	fsck_ok "$img" "FAT$fat full disk"
	n=$(echo "$out" | sed -n 's/.*after \([0-9]*\) bytes/\1/p')
	m=$(mtype -i "$img" ::/d/fill | wc -c)
	[ "$n" = "$m" ] && ok "FAT$fat: mtools reads the $n bytes written" ||
		fail "FAT$fat: fs-fat wrote $n bytes, mtools reads $m"
done
exit $failed
