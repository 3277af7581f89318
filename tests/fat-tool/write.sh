#!/bin/sh
# write.sh: every write path of devmgr-fat (files and folders written,
# renamed, moved, truncated and grown by overwrite, deleted, rm -r) on
# FAT12, FAT16 and FAT32 images made by mkfs.fat.  Afterwards fsck.fat -n
# is clean, mtools reads back exactly what was written, and ls -l agrees
# with mdir on every folder.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatwrite) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

need_tools
need_fsfat_write

absent() { # absent NAME IMAGE FSPATH: mtools does not find it
	if mdir -i "$2" "::$3" >/dev/null 2>&1; then ko "$1: $3 is still there"; else ok "$1: $3 is gone"; fi
}

mkfile "$tmp/small" 1000 1
mkfile "$tmp/big" 300000 2
mkfile "$tmp/mid" 5000 3
mkfile "$tmp/one" 1 4
mkfile "$tmp/exact" 65536 5 # whole clusters of every cluster size used here
: >"$tmp/empty"

for fat in 12 16 32; do
	img="$tmp/fat$fat.img"
	n=FAT$fat
	mkimg $fat "$img"
	F() { "$FATTOOL" --image "$img" "$@"; }

	# Files: new, empty, one byte, many clusters, long and mixed-case
	# names, into a folder given as the destination.
	t "$n put new file" 0 F put "$tmp/small" /SMALL.TXT
	t "$n put empty file" 0 F put "$tmp/empty" /EMPTY
	t "$n put one byte" 0 F put "$tmp/one" /one.bin
	t "$n put whole clusters" 0 F put "$tmp/exact" /EXACT.BIN
	t "$n mkdir" 0 F mkdir /Docs
	t "$n mkdir -p" 0 F mkdir -p /a/b/c
	t "$n mkdir -p on existing" 0 F mkdir -p /a/b
	t "$n put big file" 0 F put "$tmp/big" "/Docs/A Long File Name.bin"
	t "$n put into a folder" 0 F put "$tmp/mid" /a/b/c
	t "$n put from stdin" 0 sh -c "\"$FATTOOL\" --image \"$img\" put - /a/stdin.dat <\"$tmp/mid\""

	# Enough long names to grow a folder past one cluster.
	i=0
	while [ $i -lt 24 ]; do
		"$FATTOOL" --image "$img" put "$tmp/one" "/Docs/entry number $i with a long name.txt" ||
			ko "$n put entry $i"
		i=$((i + 1))
	done
	ok "$n 24 long names in one folder"

	# Overwrite: truncate, then grow again.
	t "$n put big as /T.BIN" 0 F put "$tmp/big" /T.BIN
	t "$n overwrite /T.BIN with small (truncate)" 0 F put "$tmp/small" /T.BIN
	t "$n overwrite /one.bin with mid (grow)" 0 F put "$tmp/mid" /one.bin
	t "$n overwrite /EMPTY with nothing" 0 F put "$tmp/empty" /EMPTY

	# Renames: in place, across folders, replacing a file, a folder, and
	# into a folder given as the destination.
	t "$n mv rename file" 0 F mv /SMALL.TXT /Renamed.txt
	t "$n mv across folders" 0 F mv /a/stdin.dat /Docs/moved.dat
	t "$n mv into a folder" 0 F mv /Renamed.txt /a/b
	t "$n put victim" 0 F put "$tmp/big" /victim.bin
	t "$n mv replacing a file" 0 F mv /T.BIN /victim.bin
	t "$n mv folder" 0 F mv /a/b/c /Docs/c-moved

	# Deletes: a file, and a tree.
	t "$n put doomed file" 0 F put "$tmp/mid" /doomed.txt
	t "$n rm file" 0 F rm /doomed.txt
	t "$n mkdir tree" 0 F mkdir -p /tree/x/y
	t "$n put in tree" 0 F put "$tmp/big" /tree/x/y/deep.bin
	t "$n put in tree 2" 0 F put "$tmp/small" /tree/x/f.txt
	t "$n rm -r tree" 0 F rm -r /tree

	# Refusals: exit 1, the filesystem unchanged.
	t "$n mkdir existing" 1 F mkdir /Docs && errsays "$n mkdir existing" "(EEXIST)"
	t "$n rm folder without -r" 1 F rm /Docs && errsays "$n rm folder" "is a folder (use rm -r)"
	t "$n rm missing" 1 F rm /nothing && errsays "$n rm missing" "(ENOENT)"
	t "$n rm -r /" 1 F rm -r / && errsays "$n rm -r /" "refusing to remove the root folder"
	t "$n put into missing folder" 1 F put "$tmp/small" /no/such/file && errsays "$n put missing parent" "(ENOENT)"
	t "$n put missing host file" 1 F put "$tmp/nonexistent" /x && errsays "$n put missing host file" "$tmp/nonexistent"
	t "$n put over a folder" 1 F put - /Docs </dev/null && errsays "$n put over a folder" "(EISDIR)"
	t "$n mv missing" 1 F mv /nothing /else && errsays "$n mv missing" "(ENOENT)"

	# Names: what FAT cannot hold is refused, what it can comes back.
	for bad in "a:b" "a*b" "q?" "lt<" "gt>" "pi|pe" 'back\slash' "dot." "sp "; do
		t "$n put refuses the name '$bad'" 1 F put "$tmp/one" "/$bad" && errsays "$n name '$bad'" "(EINVAL)"
	done
	long=$(printf "%0256d" 0)
	t "$n put refuses a 256-character name" 1 F put "$tmp/one" "/$long" && errsays "$n 256 characters" "(ENAMETOOLONG)"
	long=$(printf "%0255d" 0)
	t "$n put a 255-character name" 0 F put "$tmp/one" "/Docs/$long"
	mkdir -p "$tmp/names"
	for name in " leading space" "x.y.z.long" "ÄÖÜ äöü.txt" "日本語.txt" "MiXeD.CaSe"; do
		t "$n put '$name'" 0 F put "$tmp/mid" "/a/$name"
	done
	t "$n mv changes only the case" 0 F mv /a/MiXeD.CaSe /a/mixed.case

	# A file spread over the holes that deleted files leave.
	F mkdir /frag
	for i in 1 2 3 4 5 6; do
		F put "$tmp/mid" "/frag/P$i" || ko "$n put /frag/P$i"
	done
	F rm /frag/P2 && F rm /frag/P4 && F rm /frag/P6 || ko "$n rm in /frag"
	t "$n put into fragmented space" 0 F put "$tmp/big" /frag/BIG.BIN

	# What mtools and fsck.fat see.
	fsck_clean "$n" "$img"
	mtools_same "$n" "$img" /EMPTY "$tmp/empty"
	mtools_same "$n" "$img" /EXACT.BIN "$tmp/exact"
	t "$n cat whole clusters" 0 F cat /EXACT.BIN
	cmp -s "$tmp/out" "$tmp/exact" && ok "$n cat whole clusters" || ko "$n cat whole clusters"
	mtools_same "$n" "$img" /one.bin "$tmp/mid"
	mtools_same "$n" "$img" "/Docs/A Long File Name.bin" "$tmp/big"
	mtools_same "$n" "$img" /Docs/moved.dat "$tmp/mid"
	mtools_same "$n" "$img" /a/b/Renamed.txt "$tmp/small"
	mtools_same "$n" "$img" /Docs/c-moved/mid "$tmp/mid"
	mtools_same "$n" "$img" /victim.bin "$tmp/small"
	mtools_same "$n" "$img" "/Docs/entry number 23 with a long name.txt" "$tmp/one"
	absent "$n" "$img" /SMALL.TXT
	absent "$n" "$img" /T.BIN
	absent "$n" "$img" /doomed.txt
	absent "$n" "$img" /tree
	absent "$n" "$img" /a/b/c
	absent "$n" "$img" /a/stdin.dat
	mtools_same "$n" "$img" "/a/ÄÖÜ äöü.txt" "$tmp/mid"
	mtools_same "$n" "$img" "/a/ leading space" "$tmp/mid"
	mtools_same "$n" "$img" "/a/mixed.case" "$tmp/mid"
	mtools_same "$n" "$img" "/Docs/$long" "$tmp/one"
	mtools_same "$n" "$img" /frag/BIG.BIN "$tmp/big"
	mtools_same "$n" "$img" /frag/P5 "$tmp/mid"
	mdir -b -i "$img" ::/a | grep -qx "::/a/mixed.case" && ok "$n mdir sees the new case" || ko "$n mdir sees the new case"
	for d in / /Docs /a /a/b /Docs/c-moved /frag; do
		ls_like_mdir "$n" "$img" "$d"
	done

	# And the other way: what mtools writes afterwards, devmgr-fat reads.
	mcopy -i "$img" "$tmp/small" ::/Docs/from-mtools.txt
	t "$n cat a file mtools added" 0 F cat /Docs/from-mtools.txt
	cmp -s "$tmp/out" "$tmp/small" && ok "$n reads mtools' file" || ko "$n reads mtools' file"
done

# 4096-byte sectors, through a configuration (blk-file sector_size 4096).
img="$tmp/s4k.img"
rm -f "$img"
mkfs.fat -C -S 4096 -F 12 "$img" 8192 >/dev/null || exit 99
cat >"$tmp/s4k.json" <<EOF
{"devmgr": 1, "devices": {
  "disk": {"provider": "blk-file", "path": "s4k.img", "sector_size": 4096},
  "fs": {"provider": "fs-fat", "on": "disk"}}}
EOF
G() { "$FATTOOL" -c "$tmp/s4k.json" "$@"; }
t "4K sectors: mkdir -p" 0 G mkdir -p /x/y
t "4K sectors: put" 0 G put "$tmp/big" /x/y/big.bin
t "4K sectors: put small" 0 G put "$tmp/small" /x/small
t "4K sectors: mv" 0 G mv /x/small /moved
t "4K sectors: rm -r" 0 G rm -r /x/y
fsck_clean "4K sectors" "$img"
mtools_same "4K sectors" "$img" /moved "$tmp/small"
ls_like_mdir "4K sectors" "$img" /

finish
