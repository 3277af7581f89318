#!/bin/sh
# recurse.sh: ls -R, get -r and put -r on FAT12/16/32 against mtools.  A
# host tree with long, mixed-case and UTF-8 names, spaces, empty files,
# empty folders (nested too), a multi-cluster file, a folder grown past a
# cluster and eight levels of folders, each with its own odd-second time:
# put -r copies it whole (fsck.fat -n clean; mcopy -s -m gives back the
# same bytes, names and times, at FAT's 2 seconds; mdir -/ lists what ls
# -lR lists); get -r of it and of a tree that mcopy -s -m made gives back
# the same bytes, names, empty folders and times.  Merging into existing
# folders, cp -r's naming, symbolic links, and errors that name the path:
# a name FAT cannot hold, a FIFO, a link loop, a full disk, a host file in
# the way, a missing path, a folder without -r.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatrec) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
need_tools
need_fsfat_write
# mtools writes and reads local times; fs-fat's are UTC (utc_offset 0).
TZ=UTC
export TZ

# The source tree, each entry with its own time at an odd second.
src=$tmp/src
mkdir -p "$src/Long Folder Name/deeper/empty inside" "$src/empty" \
	"$src/Ünïcode ñame" "$src/Grow" "$src/a/b/c/d/e/f/g/h"
printf 'hello\n' >"$src/Long Folder Name/file with spaces.txt"
mkfile "$src/Long Folder Name/deeper/big.bin" 200000 7
: >"$src/empty.file"
printf 'x\n' >"$src/Ünïcode ñame/日本語.txt"
printf 'MiXeD\n' >"$src/MiXeD CaSe.Txt"
printf 'short\n' >"$src/SHORT.TXT"
mkfile "$src/a/b/c/d/e/f/g/h/bottom.bin" 5000 8
i=0
while [ $i -lt 40 ]; do
	printf '%s\n' $i >"$src/Grow/a rather long file name number $i.txt"
	i=$((i + 1))
done
s=11
find "$src" -depth -print | while IFS= read -r p; do
	touch -d "@$((1600000001 + s * 7919))" "$p"
	s=$((s + 1))
done

# mtimes DIR: "SECONDS PATH" of everything under DIR, rounded down to 2 s.
mtimes() {
	(cd "$1" && find . -mindepth 1 -printf '%T@ %p\n' | LC_ALL=C sort -k2) |
		awk '{ t = int($1); t -= t % 2; $1 = t; print }'
}
# same_tree NAME A B: same files, bytes, empty folders and times.
same_tree() {
	if diff -r "$2" "$3" >"$tmp/out" 2>&1; then
		ok "$1: the same names, bytes and folders"
	else
		ko "$1: the trees differ"
	fi
	mtimes "$2" >"$tmp/ta"
	mtimes "$3" >"$tmp/tb"
	if cmp -s "$tmp/ta" "$tmp/tb"; then
		ok "$1: the same modification times ($(wc -l <"$tmp/ta") entries, 2 s)"
	else
		diff "$tmp/ta" "$tmp/tb" >"$tmp/out"
		ko "$1: the times differ"
	fi
}
# lsR_like_mdir NAME IMAGE: every entry of ls -lR / is in mdir -/ -a.
lsR_like_mdir() {
	if ! "$FATTOOL" --image "$2" ls -lR / >"$tmp/ls.raw" 2>"$tmp/err"; then
		ko "$1: ls -lR failed"
		return
	fi
	grep -E '^[-d] [-rhsa]{4} ' "$tmp/ls.raw" |
		sed -E 's/^(.) [-rhsa]{4} +([0-9]+) [^ ]+ [^ ]+ (.*)$/\1 \2 \3/; s/^d [0-9]+ /d 0 /' |
		LC_ALL=C sort >"$tmp/ls"
	mdir -/ -a -i "$2" ::/ >"$tmp/mdir.raw" 2>"$tmp/err" || { ko "$1: mdir -/ failed"; return; }
	"$PY" "$MDIR_LIST" <"$tmp/mdir.raw" | LC_ALL=C sort >"$tmp/mdir"
	if cmp -s "$tmp/ls" "$tmp/mdir"; then
		ok "$1: ls -lR agrees with mdir -/ ($(wc -l <"$tmp/ls") entries)"
	else
		diff "$tmp/mdir" "$tmp/ls" >"$tmp/out"
		ko "$1: ls -lR and mdir -/ differ (< mdir, > ls)"
	fi
}

for fat in 12 16 32; do
	n=FAT$fat img=$tmp/f$fat.img
	mkimg $fat "$img"
	t "$n: put -r SRC / makes /src" 0 "$FATTOOL" --image "$img" put -r "$src" /
	fsck_clean "$n: put -r" "$img"
	rm -rf "$tmp/mtout"
	mkdir "$tmp/mtout"
	if mcopy -s -m -n -i "$img" ::/src "$tmp/mtout/" 2>"$tmp/err"; then
		same_tree "$n: put -r, then mcopy -s -m out" "$src" "$tmp/mtout/src"
	else
		ko "$n: mcopy -s cannot copy /src out"
	fi
	lsR_like_mdir "$n" "$img"
	rm -rf "$tmp/got"
	t "$n: get -r /src DEST makes DEST" 0 "$FATTOOL" --image "$img" get -r /src "$tmp/got"
	same_tree "$n: get -r" "$src" "$tmp/got"

	# A tree that mtools wrote.
	img2=$tmp/m$fat.img
	mkimg $fat "$img2"
	mcopy -s -m -i "$img2" "$src" ::/ || ko "$n: mcopy -s cannot copy the tree in"
	rm -rf "$tmp/got"
	mkdir "$tmp/got"
	t "$n: get -r of a tree mtools wrote, into a folder" 0 "$FATTOOL" --image "$img2" get -r /src "$tmp/got"
	same_tree "$n: mcopy -s -m in, get -r out" "$src" "$tmp/got/src"
	rm -rf "$tmp/got"
	t "$n: get -r / DEST copies the root's entries into DEST" 0 "$FATTOOL" --image "$img2" get -r / "$tmp/got"
	same_tree "$n: get -r /" "$src" "$tmp/got/src"
done

# ls -R: the exact format.
img=$tmp/ls.img
mkimg 12 "$img"
mmd -i "$img" ::/A ::/A/B ::/E
printf 'x' | mcopy -i "$img" - ::/A/f.txt
t "ls -R" 0 "$FATTOOL" --image "$img" ls -R /
printf '/:\nA/\nE/\n\n/A:\nB/\nf.txt\n\n/A/B:\n\n/E:\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "ls -R lists as ls(1) -R does" ||
	{ diff "$tmp/want" "$tmp/out" >"$tmp/err"; ko "ls -R format"; }
t "ls -R A" 0 "$FATTOOL" --image "$img" ls -R A
printf '/A:\nB/\nf.txt\n\n/A/B:\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" && ok "ls -R of a folder starts there" || ko "ls -R A format"
t "ls -R of a file is that file" 0 "$FATTOOL" --image "$img" ls -R /A/f.txt
[ "$(cat "$tmp/out")" = f.txt ] && ok "ls -R FILE prints the name" || ko "ls -R FILE"
t "ls -R of a missing folder" 1 "$FATTOOL" --image "$img" ls -R /nope
errsays "ls -R of a missing folder" "ls /nope: No such file or directory (ENOENT)"

# Merging, naming, links.
img=$tmp/merge.img
mkimg 16 "$img"
"$FATTOOL" --image "$img" put -r "$src" /src >/dev/null 2>&1
printf 'changed\n' >"$tmp/changed"
mkdir -p "$tmp/upd/Long Folder Name" "$tmp/upd/new folder"
cp "$tmp/changed" "$tmp/upd/Long Folder Name/file with spaces.txt"
cp "$tmp/changed" "$tmp/upd/new folder/new.txt"
t "put -r UPD /src onto an existing tree" 0 "$FATTOOL" --image "$img" put -r "$tmp/upd" /src
# cp -r: UPD goes into /src as /src/upd; to merge, give the folder itself
t "put -r onto an existing folder of the same name merges" 0 \
	"$FATTOOL" --image "$img" put -r "$tmp/upd/Long Folder Name" /src
mtools_same "merge: an existing file is replaced" "$img" "/src/Long Folder Name/file with spaces.txt" "$tmp/changed"
mtools_same "merge: the other files stay" "$img" "/src/Long Folder Name/deeper/big.bin" "$src/Long Folder Name/deeper/big.bin"
mtools_same "cp -r naming: UPD in the folder /src" "$img" "/src/upd/new folder/new.txt" "$tmp/changed"
t "put -r SRC NEW makes the folder NEW" 0 "$FATTOOL" --image "$img" put -r "$tmp/upd" "/Fresh Name"
mtools_same "put -r SRC NEW" "$img" "/Fresh Name/new folder/new.txt" "$tmp/changed"
fattool=$(cd "$(dirname "$FATTOOL")" && pwd)/${FATTOOL##*/}
(cd "$tmp/upd" && "$fattool" --image "$img" put -r . /) >"$tmp/out" 2>"$tmp/err" &&
	mtools_same "put -r . / is named after the folder" "$img" "/upd/new folder/new.txt" "$tmp/changed" ||
	ko "put -r . / failed"
mkdir "$tmp/links"
ln -s "$src/SHORT.TXT" "$tmp/links/link to file"
ln -s ../links "$tmp/links/loop"
t "put -r through a link loop fails" 1 "$FATTOOL" --image "$img" put -r "$tmp/links" /links
errsays "put -r through a link loop" "put $tmp/links/loop: Too many levels of symbolic links (ELOOP)"
mtools_same "a link to a file is copied as the file" "$img" "/links/link to file" "$src/SHORT.TXT"
fsck_clean "merging and links" "$img"

# Errors name the path.
mkdir -p "$tmp/bad/ok" "$tmp/bad2"
printf 'x' >"$tmp/bad/ok/a:b"
t "put -r of a name FAT cannot hold" 1 "$FATTOOL" --image "$img" put -r "$tmp/bad" /bad
errsays "put -r of a name FAT cannot hold" "put /bad/ok/a:b: Invalid argument (EINVAL)"
mkfifo "$tmp/bad2/fifo"
t "put -r of a FIFO" 1 "$FATTOOL" --image "$img" put -r "$tmp/bad2" /bad2
errsays "put -r of a FIFO" "put $tmp/bad2/fifo: not a file or a folder"
t "get of a folder without -r" 1 "$FATTOOL" --image "$img" get /src "$tmp/x"
errsays "get of a folder without -r" "get /src: Is a directory (EISDIR)"
t "get -r of a missing folder" 1 "$FATTOOL" --image "$img" get -r /missing "$tmp/x"
errsays "get -r of a missing folder" "get /missing: No such file or directory (ENOENT)"
mkdir -p "$tmp/in the way/src"
: >"$tmp/in the way/src/Long Folder Name"
t "get -r onto a host file in the way" 1 "$FATTOOL" --image "$img" get -r /src "$tmp/in the way"
errsays "get -r onto a host file in the way" "get $tmp/in the way/src/Long Folder Name: Not a directory (ENOTDIR)"
t "get -r to standard output" 1 "$FATTOOL" --image "$img" get -r /src -
errsays "get -r to standard output" "get /src: Is a directory (EISDIR)"
fsck_clean "after the errors" "$img"
# A full disk: the file being written is named; fsck stays clean.
mkdir -p "$tmp/huge/sub"
mkfile "$tmp/huge/sub/one.bin" 1200000 9
mkfile "$tmp/huge/sub/two.bin" 1200000 10
img=$tmp/full.img
mkimg 12 "$img"
t "put -r onto a full disk" 1 "$FATTOOL" --image "$img" put -r "$tmp/huge" /
errsays "put -r onto a full disk" "put /huge/sub/two.bin: No space left on device (ENOSPC)"
fsck_clean "put -r onto a full disk" "$img"
mtools_same "put -r onto a full disk: the files before are whole" "$img" /huge/sub/one.bin "$tmp/huge/sub/one.bin"
finish
