#!/bin/sh
# edges.sh: the edges of FAT32.
# - Small FAT32: mkfs.fat -F 32 on 16 MiB (and on 2 MiB) gives the FAT32
#   layout with fewer than 65525 clusters.  fsck.fat accepts it with a
#   warning, Linux mounts it; fs-fat mounts it as FAT32 with a warning
#   that names the cluster count, writes it, and fsck.fat and mtools agree.
# - The 4 GiB edge, on sparse images: a pwrite that crosses byte
#   4294967295 fills up to it (a short count) and the next is EFBIG; a
#   put of a larger file stops there and says why.
. "$top_srcdir/tests/fs/lib.sh"
corrupt=$top_srcdir/tests/fs/corrupt.py
bigfile=$top_srcdir/tests/fs/bigfile.py
fattool=$top_builddir/apps/devmgr-fat/devmgr-fat

for kib in 16384 2048; do
	img=$tmp/small.img
	rm -f "$img"
	mkfs.fat -C -F 32 "$img" $kib >/dev/null 2>&1 || fail "mkfs.fat -F 32 on $kib KiB"
	n=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from corrupt import Vol; print(Vol(sys.argv[2]).n)' \
		"$top_srcdir/tests/fs" "$img")
	out=$("$shell" "$img" volume \; mkdir /D \; write /D/f.bin 70000 3 \; \
		write /g.bin 1 4 2>&1)
	case $out in
	*"FAT32 layout with $n clusters, fewer than the 65525"*"type FAT32"*)
		ok "$kib KiB FAT32 ($n clusters): mounted as FAT32 with a warning naming $n clusters" ;;
	*) fail "$kib KiB FAT32 ($n clusters): $out" ;;
	esac
	"$shell" "$img" import "$top_srcdir/README.md" /D/README.MD 2>/dev/null
	fsck_ok "$img" "$kib KiB FAT32 after fs-fat wrote it"
	# mtools 4.0.32 goes by the cluster count and cannot read these
	# volumes at all; fsck.fat lists the files, corrupt.py reads them.
	fsck.fat -n -l "$img" 2>/dev/null | grep '^Checking file' >"$tmp/l"
	if grep -q '^Checking file /D/F.BIN$' "$tmp/l" &&
	   grep -q '^Checking file /D/README.MD$' "$tmp/l" &&
	   grep -q '^Checking file /G.BIN$' "$tmp/l"; then
		ok "$kib KiB FAT32: fsck.fat -l lists the files fs-fat wrote"
	else
		fail "$kib KiB FAT32: fsck.fat -l: $(tr '\n' ' ' <"$tmp/l")"
	fi
	if python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from corrupt import Vol
v = Vol(sys.argv[2])
pat = bytes(((i * 131 + 3 * 7 + (i >> 11)) & 255) for i in range(70000))
sys.exit(not (v.read("/D/README.MD") == open(sys.argv[3], "rb").read()
              and v.read("/D/F.BIN") == pat))' \
		"$top_srcdir/tests/fs" "$img" "$top_srcdir/README.md"; then
		ok "$kib KiB FAT32: the files read back through their chains as written"
	else
		fail "$kib KiB FAT32: a file reads back differently"
	fi
done

# A FAT32 image of 4200 MiB, sparse; /BIG.BIN of 4 GiB - 1001 bytes is
# made by chaining clusters (bigfile.py), so that its data is never
# written.
big=$tmp/big.img
truncate -s 4200M "$big"
mkfs.fat -F 32 -s 64 "$big" >/dev/null 2>&1 || fail "mkfs.fat on the sparse image"
python3 "$bigfile" "$big" 4294966294
max=4294967295
at=$((max - 1295))
out=$("$shell" "$big" stat /BIG.BIN \; pwrite1 /BIG.BIN 2000 5 $at \; \
	?pwrite1 /BIG.BIN 10 5 $max \; ?pwrite1 /BIG.BIN 1 5 $((max + 5)) \; \
	stat /BIG.BIN 2>&1)
case $out in
*"file 4294966294"*"pwrite1 1295"*"pwrite1 EFBIG"*"pwrite1 EFBIG"*"file 4294967295"*)
	ok "a 2000-byte pwrite at $at writes 1295 bytes up to 4 GiB - 1, the next is EFBIG" ;;
*) fail "the 4 GiB edge: $out" ;;
esac
want=$(python3 -c 'print(bytes(((i * 131 + 5 * 7 + (i >> 11)) & 255) for i in range(1295)).hex())')
got=$(python3 "$bigfile" "$big" tail $at 1295)
if [ "$(echo "$got" | tail -1)" = "$want" ] &&
   [ "$(echo "$got" | head -1)" = "size 4294967295 chain 131072" ]; then
	ok "the last 1295 bytes are on the device, the chain has 131072 clusters"
else
	fail "the bytes below 4 GiB: $(echo "$got" | head -1)"
fi
if mdir -i "$big" ::/BIG.BIN | grep -q " 4294967295 "; then
	ok "mdir shows BIG.BIN at 4294967295 bytes"
else
	fail "mdir: $(mdir -i "$big" ::/BIG.BIN 2>&1)"
fi
# fsck.fat 4.2 counts a chain's bytes in 32 bits: a file of more than
# 4 GiB - one cluster reads to it as "cluster chain length is 0 bytes".
# Everything else it says must be clean.
fsck.fat -n "$big" >"$tmp/fsck" 2>&1
if grep -v '^fsck.fat\|BIG.BIN\|File size is 4294967295 bytes, cluster chain length is 0 bytes\|Truncating file to 0 bytes\|^$\|Leaving filesystem unchanged\|files, ' "$tmp/fsck" >"$tmp/fsck.rest"; then
	fail "fsck.fat -n finds more than its 32-bit chain length: $(head -5 "$tmp/fsck.rest")"
else
	ok "fsck.fat -n finds nothing but its own 32-bit limit"
fi

# put of a file larger than 4 GiB - 1 (a sparse one): it writes up to
# the limit and says why it stopped.  This one writes 4 GiB.
if [ -x "$fattool" ]; then
	rm -f "$big"
	truncate -s 4200M "$big"
	mkfs.fat -F 32 -s 64 "$big" >/dev/null 2>&1
	truncate -s $((max + 10)) "$tmp/src"
	"$fattool" --image "$big" put "$tmp/src" /BIG.BIN >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && grep -q "put /BIG.BIN: File too large (EFBIG)" "$tmp/err" &&
	   grep -q "stopped after 4294967295 bytes: the filesystem holds no larger file" "$tmp/err"; then
		ok "put of $((max + 10)) bytes: exit 1, $(tail -1 "$tmp/err")"
	else
		fail "put of a larger file: status $st: $(cat "$tmp/err")"
	fi
	if mdir -i "$big" ::/BIG.BIN | grep -q " 4294967295 "; then
		ok "after put, mdir shows BIG.BIN at 4294967295 bytes"
	else
		fail "after put: $(mdir -i "$big" ::/BIG.BIN 2>&1)"
	fi
	rm -f "$big" "$tmp/src"
fi
exit $failed
