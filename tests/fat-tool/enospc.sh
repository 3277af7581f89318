#!/bin/sh
# enospc.sh: filling a FAT12, a FAT16 and a FAT32 image through devmgr-fat ends in
# an ENOSPC error (exit 1), and leaves a filesystem that fsck.fat -n finds
# clean, the files written before intact, the partial file a prefix of
# its source, and space that can be used again once freed.  A full root
# folder (FAT12/16 have a fixed one) is ENOSPC too.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatnospc) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

need_tools
need_fsfat_write

mkfile "$tmp/small" 3000 1
for fat in 12 16 32; do
	img="$tmp/fat$fat.img"
	n=FAT$fat
	mkimg $fat "$img"
	F() { "$FATTOOL" --image "$img" "$@"; }
	total=$(($(stat -c %s "$img")))
	mkfile "$tmp/first" $((total / 2)) 2
	mkfile "$tmp/second" $((total / 2)) 3

	t "$n put half the disk" 0 F put "$tmp/first" /FIRST.BIN
	t "$n mkdir /keep" 0 F mkdir /keep
	t "$n put small" 0 F put "$tmp/small" /keep/small.txt
	t "$n put past the end" 1 F put "$tmp/second" /SECOND.BIN &&
		errsays "$n put past the end" "put /SECOND.BIN: No space left on device (ENOSPC)"
	fsck_clean "$n full" "$img"
	mtools_same "$n full" "$img" /FIRST.BIN "$tmp/first"
	mtools_same "$n full" "$img" /keep/small.txt "$tmp/small"
	ls_like_mdir "$n full" "$img" /

	# What reached the disk of the second file is a prefix of it.
	rm -f "$tmp/part"
	if mcopy -n -i "$img" ::/SECOND.BIN "$tmp/part" 2>/dev/null; then
		size=$(stat -c %s "$tmp/part")
		if [ "$size" -lt $((total / 2)) ] && head -c "$size" "$tmp/second" | cmp -s - "$tmp/part"; then
			ok "$n partial file is a $size-byte prefix"
		else
			ko "$n partial file ($size bytes) is not a prefix"
		fi
	else
		ok "$n partial file was not kept"
	fi

	t "$n df when full" 0 F df
	if grep -qx "free_bytes: 0" "$tmp/out"; then
		t "$n mkdir when full" 1 F mkdir /cannot &&
			errsays "$n mkdir when full" "(ENOSPC)"
	fi
	t "$n rm the partial file" 0 F rm /SECOND.BIN
	t "$n put after freeing" 0 F put "$tmp/small" /again.txt
	fsck_clean "$n after freeing" "$img"
	mtools_same "$n after freeing" "$img" /again.txt "$tmp/small"
	t "$n df after freeing" 0 F df
	free=$(mdir -i "$img" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free$/\1/p' | tr -d ' ')
	grep -qx "free_bytes: $free" "$tmp/out" && ok "$n df free bytes agree with mdir" ||
		ko "$n df free bytes disagree with mdir ($free)"
done

# A root folder of 16 entries (the label takes one): the 16th file does
# not fit.
img="$tmp/root.img"
rm -f "$img"
mkfs.fat -C -F 12 -r 16 -n ROOTFULL "$img" 1024 >/dev/null || exit 99
i=1
while [ $i -le 15 ]; do
	"$FATTOOL" --image "$img" put "$tmp/small" "/F$i.TXT" >"$tmp/out" 2>"$tmp/err" ||
		ko "root entry $i"
	i=$((i + 1))
done
t "full root folder" 1 "$FATTOOL" --image "$img" put "$tmp/small" /F16.TXT &&
	errsays "full root folder" "(ENOSPC)"
t "mkdir in full root folder" 1 "$FATTOOL" --image "$img" mkdir /D16 &&
	errsays "mkdir in full root folder" "(ENOSPC)"
fsck_clean "full root folder" "$img"
mtools_same "full root folder" "$img" /F15.TXT "$tmp/small"
ls_like_mdir "full root folder" "$img" /

finish
