#!/bin/sh
# read.sh: the read commands of devmgr-fat (ls, cat, get, df) on images
# that mkfs.fat and mtools made, FAT12, FAT16 and FAT32; their errors; and
# a read-only configuration refusing writes.
. "$top_srcdir/tests/fat-tool/lib.sh"

tmp=$(mktmp fatread) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

need_tools
need_fsfat

t "image that does not exist" 3 "$FATTOOL" --image "$tmp/none.img" ls &&
	errsays "image that does not exist" "No such file or directory"
head -c 1048576 /dev/zero >"$tmp/zero.img"
t "image that is not FAT" 3 "$FATTOOL" --image "$tmp/zero.img" ls

mkfile "$tmp/small" 1000 1
mkfile "$tmp/big" 700000 2
: >"$tmp/empty"
for fat in 12 16 32; do
	img="$tmp/fat$fat.img"
	mkimg $fat "$img"
	mmd -i "$img" "::/Sub Dir" ::/sub2
	mcopy -i "$img" "$tmp/small" ::/SMALL.TXT
	mcopy -i "$img" "$tmp/big" "::/Sub Dir/A big file.bin"
	mcopy -i "$img" "$tmp/empty" ::/sub2/empty
	mcopy -i "$img" "$tmp/small" "::/sub2/Mixed Case Name.txt"
	n=FAT$fat

	t "$n ls /" 0 "$FATTOOL" --image "$img" ls /
	for want in "SMALL.TXT" "Sub Dir/" "sub2/"; do
		grep -qxF "$want" "$tmp/out" && ok "$n ls / shows $want" || ko "$n ls / lacks $want"
	done
	ls_like_mdir "$n" "$img" /
	ls_like_mdir "$n" "$img" "/Sub Dir"
	ls_like_mdir "$n" "$img" /sub2
	t "$n ls -l of one file" 0 "$FATTOOL" --image "$img" ls -l /SMALL.TXT
	grep -Eq "^- [-rhsa]{4} +1000 .* SMALL.TXT$" "$tmp/out" && ok "$n ls -l one file" || ko "$n ls -l one file"
	t "$n ls without leading /" 0 "$FATTOOL" --image "$img" ls "Sub Dir"

	t "$n cat" 0 "$FATTOOL" --image "$img" cat /SMALL.TXT
	cmp -s "$tmp/out" "$tmp/small" && ok "$n cat content" || ko "$n cat content"
	t "$n cat in chunks" 0 "$FATTOOL" --image "$img" cat "/sub dir/a big file.bin"
	cmp -s "$tmp/out" "$tmp/big" && ok "$n cat of 700000 bytes, any case" || ko "$n cat of 700000 bytes"
	t "$n cat empty" 0 "$FATTOOL" --image "$img" cat /sub2/empty
	[ ! -s "$tmp/out" ] && ok "$n empty file is empty" || ko "$n empty file is empty"

	rm -f "$tmp/got"
	t "$n get" 0 "$FATTOOL" --image "$img" get "/Sub Dir/A big file.bin" "$tmp/got"
	cmp -s "$tmp/got" "$tmp/big" && ok "$n get content" || ko "$n get content"
	mkdir -p "$tmp/gotdir"
	t "$n get into a folder" 0 "$FATTOOL" --image "$img" get /SMALL.TXT "$tmp/gotdir"
	cmp -s "$tmp/gotdir/SMALL.TXT" "$tmp/small" && ok "$n get into a folder" || ko "$n get into a folder"
	t "$n get to stdout" 0 "$FATTOOL" --image "$img" get /SMALL.TXT -
	cmp -s "$tmp/out" "$tmp/small" && ok "$n get - content" || ko "$n get - content"

	t "$n df" 0 "$FATTOOL" --image "$img" df
	grep -qx "type: FAT$fat" "$tmp/out" && ok "$n df type" || ko "$n df type"
	grep -qx "label: FAT$fat TEST" "$tmp/out" && ok "$n df label" || ko "$n df label"
	free=$(mdir -i "$img" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free$/\1/p' | tr -d ' ')
	grep -qx "free_bytes: $free" "$tmp/out" && ok "$n df free bytes agree with mdir ($free)" ||
		ko "$n df free bytes disagree with mdir ($free)"
	grep -qx "read_only: true" "$tmp/out" && ok "$n --image df is read-only" || ko "$n --image df is read-only"

	# Errors: exit 1, the path and the errno named.
	t "$n cat missing" 1 "$FATTOOL" --image "$img" cat /nope.txt &&
		errsays "$n cat missing" "cat /nope.txt: No such file or directory (ENOENT)"
	t "$n cat folder" 1 "$FATTOOL" --image "$img" cat /sub2 &&
		errsays "$n cat folder" "cat /sub2: Is a directory (EISDIR)"
	t "$n ls missing" 1 "$FATTOOL" --image "$img" ls /nope &&
		errsays "$n ls missing" "ls /nope: No such file or directory (ENOENT)"
	t "$n ls under a file" 1 "$FATTOOL" --image "$img" ls /SMALL.TXT/x
	t "$n get missing" 1 "$FATTOOL" --image "$img" get /nope "$tmp/nope"
	[ ! -e "$tmp/nope" ] && ok "$n failed get leaves no host file" || ko "$n failed get leaves no host file"
	t "$n get to a bad host path" 1 "$FATTOOL" --image "$img" get /SMALL.TXT /nonexistent/dir/x &&
		errsays "$n get to a bad host path" "/nonexistent/dir/x"
	fsck_clean "$n after reads" "$img"
done

# A read-only configuration refuses writes with EROFS, and changes nothing.
img="$tmp/fat12.img"
cat >"$tmp/ro.json" <<EOF
{"devmgr": 1, "devices": {
  "disk": {"provider": "blk-file", "path": "fat12.img", "read_only": true},
  "fs": {"provider": "fs-fat", "on": "disk"}}}
EOF
sum=$(cksum <"$img")
t "-c read-only: ls" 0 "$FATTOOL" -c "$tmp/ro.json" ls /
t "-c read-only: mkdir" 1 "$FATTOOL" -c "$tmp/ro.json" mkdir /new && errsays "read-only mkdir" "(EROFS)"
t "-c read-only: put" 1 "$FATTOOL" -c "$tmp/ro.json" put "$tmp/small" /new.txt && errsays "read-only put" "(EROFS)"
[ "$(cksum <"$img")" = "$sum" ] && ok "read-only image unchanged" || ko "read-only image changed"

# The example configurations: valid for devmgr, and they run.
DEVMGR="$top_builddir/apps/devmgr/devmgr"
mkdir "$tmp/ex"
cp "$top_srcdir"/examples/fat-*.json "$tmp/ex/"
cp "$tmp/fat16.img" "$tmp/ex/fat.img"
for ex in "$tmp"/ex/fat-*.json; do
	e=examples/${ex##*/}
	t "$e validates" 0 "$DEVMGR" validate -c "$ex"
	t "$e: devmgr-fat ls" 0 "$FATTOOL" -c "$ex" ls /
	grep -qx "SMALL.TXT" "$tmp/out" && ok "$e lists the image" || ko "$e lists the image"
done

finish
