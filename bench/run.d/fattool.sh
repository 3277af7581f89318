#!/bin/sh
# fattool.sh: devmgr-fat against the system paths, in one run, on one
# FAT32 image in memory (/dev/shm, else TMPDIR):
#   - reading a file: devmgr-fat cat vs mtools (mcopy to stdout), and vs
#     cat of the same bytes as a host file (the floor);
#   - writing a file: devmgr-fat put vs mcopy into the image;
#   - blk-debug's cost: devmgr-fat cat through blk-file -> blk-debug
#     (contract check on, no trace) -> fs-fat vs without blk-debug;
#   - making a filesystem: devmgr-fat mkfs vs mkfs.fat on a new 1 GiB
#     image file (both make the file and pick FAT32 with 4K clusters);
#   - a tree of small files (100 folders of 100 files, 1 to 4 KiB each):
#     devmgr-fat put -r vs mcopy -s -m into a new 64 MiB image, and
#     devmgr-fat get -r vs mcopy -s -m out of one into a new host folder.
# Each path runs whole commands (process start included, which a 64 MiB
# file makes small); the two paths of a comparison run back to back, in
# alternating order, and the ratio is the median of the per-pair ratios.
#
# Usage: bench/run.d/fattool.sh [--quick] BUILDDIR
set -u

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--quick] BUILDDIR" >&2; exit 2; }
b=$(cd "$1" && pwd) || exit 2
if [ $quick = 1 ]; then mib=8; reps=3; dirs=10; else mib=64; reps=11; dirs=100; fi

: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH
MTOOLS_SKIP_CHECK=1
export MTOOLS_SKIP_CHECK
# The real binary, not libtool's wrapper script (whose shell would be
# timed too).
if [ -x "$b/apps/devmgr-fat/.libs/devmgr-fat" ]; then
	fat=$b/apps/devmgr-fat/.libs/devmgr-fat
	LD_LIBRARY_PATH=$b/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
else
	fat=$b/apps/devmgr-fat/devmgr-fat
fi
maxrss=$b/bench/maxrss
for t in mkfs.fat mcopy; do
	command -v $t >/dev/null 2>&1 || { echo "fattool: $t is not installed" >&2; exit 2; }
done
[ -e "$DEVMGR_PLUGIN_PATH/fs-fat.so" ] || { echo "fattool: fs-fat is not built" >&2; exit 2; }
[ -x "$maxrss" ] || { echo "fattool: $maxrss is not built (make bench)" >&2; exit 2; }

d=/dev/shm
[ -d "$d" ] && [ -w "$d" ] || d=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$d/devmgr-fatbench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

img=$tmp/fat.img
mkfs.fat -C -F 32 -n BENCH "$img" $(((mib * 2 + 64) * 1024)) >/dev/null || exit 2
head -c $((mib << 20)) /dev/urandom >"$tmp/data"
mcopy -i "$img" "$tmp/data" ::/DATA.BIN || exit 2
# The tree: $dirs folders of 100 files.
mkdir "$tmp/tree"
"${PYTHON3:-python3}" - "$tmp/tree" "$dirs" <<'PYEOF' || exit 2
import os, random, sys
top, dirs = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
for d in range(dirs):
    p = os.path.join(top, "folder %03d" % d)
    os.mkdir(p)
    for f in range(100):
        with open(os.path.join(p, "file number %03d.txt" % f), "wb") as o:
            o.write(r.randbytes(r.randint(1024, 4096)))
PYEOF
files=$((dirs * 100))
treeimg=$tmp/tree.img
mkfs.fat -C "$treeimg" 65536 >/dev/null || exit 2
mcopy -s -m -i "$treeimg" "$tmp/tree" ::/ || exit 2
# Each run starts from nothing: a new image (put) or host folder (get).
cat >"$tmp/put.sh" <<EOF
rm -f "$tmp/p.img" && mkfs.fat -C "$tmp/p.img" 65536 >/dev/null &&
case \$1 in
fat) "$fat" -q --image "$tmp/p.img" put -r "$tmp/tree" / ;;
mtools) mcopy -s -m -i "$tmp/p.img" "$tmp/tree" ::/ ;;
esac
EOF
cat >"$tmp/get.sh" <<EOF
rm -rf "$tmp/out" && mkdir "$tmp/out" &&
case \$1 in
fat) "$fat" -q --image "$treeimg" get -r /tree "$tmp/out" ;;
mtools) mcopy -s -m -n -i "$treeimg" ::/tree "$tmp/out/" ;;
esac
EOF
cat >"$tmp/mkfs.sh" <<EOF
rm -f "$tmp/m.img" &&
case \$1 in
fat) "$fat" -q --image "$tmp/m.img" mkfs 1G >/dev/null ;;
mkfs.fat) mkfs.fat -C "$tmp/m.img" 1048576 >/dev/null ;;
esac
EOF

cat >"$tmp/debug.json" <<EOF
{"devmgr": 1, "devices": {
  "file": {"provider": "blk-file", "path": "$img", "read_only": true},
  "dbg": {"provider": "blk-debug", "on": "file"},
  "fs": {"provider": "fs-fat", "on": "dbg"}}}
EOF

# wall NAME COMMAND...: run once, append the wall time to $tmp/NAME.
wall() {
	n=$1
	shift
	"$maxrss" "$@" 2>"$tmp/m" >/dev/null
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' "$tmp/m")
	[ "$st" = 0 ] || { echo "fattool: $* failed" >&2; cat "$tmp/m" >&2; exit 2; }
	sed -n 's/^wall_s=\([0-9.]*\) .*/\1/p' "$tmp/m" >>"$tmp/$n"
}
median() {
	sort -g "$tmp/$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# pair A B COMMAND-A -- COMMAND-B: one run of each, back to back, in an
# order that alternates with the repetition.
pair() {
	a=$1 b2=$2
	shift 2
	ca="" cb=""
	while [ "$1" != -- ]; do ca="$ca '$1'"; shift; done
	shift
	for w in "$@"; do cb="$cb '$w'"; done
	if [ $((i % 2)) = 0 ]; then
		eval "wall $a $ca"; eval "wall $b2 $cb"
	else
		eval "wall $b2 $cb"; eval "wall $a $ca"
	fi
}

i=0
while [ $i -lt $reps ]; do
	pair fat_read mtools_read "$fat" --image "$img" cat /DATA.BIN -- \
		mcopy -n -i "$img" ::/DATA.BIN -
	pair fat_read2 host "$fat" --image "$img" cat /DATA.BIN -- cat "$tmp/data"
	pair debug_read fat_read3 "$fat" -c "$tmp/debug.json" cat /DATA.BIN -- \
		"$fat" --image "$img" cat /DATA.BIN
	pair fat_write mtools_write "$fat" --image "$img" put "$tmp/data" /OUT.BIN -- \
		mcopy -o -i "$img" "$tmp/data" ::/OUT.BIN
	pair fat_mkfs mkfs_fat sh "$tmp/mkfs.sh" fat -- sh "$tmp/mkfs.sh" mkfs.fat
	pair fat_put_r mtools_put_r sh "$tmp/put.sh" fat -- sh "$tmp/put.sh" mtools
	pair fat_get_r mtools_get_r sh "$tmp/get.sh" fat -- sh "$tmp/get.sh" mtools
	i=$((i + 1))
done
# The trees went both ways whole (a benchmark of a broken copy is none).
diff -r "$tmp/tree" "$tmp/out/tree" >/dev/null || { echo "fattool: get -r copied a different tree" >&2; exit 2; }
sh "$tmp/put.sh" fat && mcopy -s -n -i "$tmp/p.img" ::/tree "$tmp/check" &&
	diff -r "$tmp/tree" "$tmp/check" >/dev/null ||
	{ echo "fattool: put -r copied a different tree" >&2; exit 2; }

# mbps NAME: MiB/s of the median run.
mbps() { echo "$mib $(median "$1")" | awk '{ printf "%.0f", $1 / $2 }'; }
# ratio A B: the median over repetitions of B's time / A's time, each pair
# measured back to back (robust to a machine whose load drifts).
ratio() {
	paste "$tmp/$1" "$tmp/$2" | awk '{ print $2 / $1 }' >"$tmp/r"
	median r | awk '{ printf "%.2f", $1 }'
}
# secs NAME: the median run in seconds.
secs() { median "$1" | awk '{ printf "%.3f", $1 }'; }
verdict() { echo "$1 $2" | awk '{ print ($1 >= $2) ? "OK" : "MISSED" }'; }

r=$(ratio fat_read mtools_read)
echo "fat_cat_vs_mtools: $mib MiB read, $(mbps fat_read) / $(mbps mtools_read) MiB/s, ratio $r (target 0.80) $(verdict "$r" 0.80)"
r=$(ratio fat_read2 host)
echo "fat_cat_vs_host_cat: $mib MiB read, $(mbps fat_read2) / $(mbps host) MiB/s, ratio $r (target none) INFO"
r=$(ratio fat_write mtools_write)
echo "fat_put_vs_mtools: $mib MiB written, $(mbps fat_write) / $(mbps mtools_write) MiB/s, ratio $r (target 0.80) $(verdict "$r" 0.80)"
r=$(ratio debug_read fat_read3)
echo "blk_debug_overhead: $mib MiB read, $(mbps debug_read) / $(mbps fat_read3) MiB/s, ratio $r (target 0.90) $(verdict "$r" 0.90)"
r=$(ratio fat_mkfs mkfs_fat)
echo "fat_mkfs_vs_mkfs_fat: 1 GiB image, $(secs fat_mkfs) / $(secs mkfs_fat) s, ratio $r (target none) INFO"
r=$(ratio fat_put_r mtools_put_r)
echo "fat_put_r_vs_mcopy_s: $files files in $dirs folders, $(secs fat_put_r) / $(secs mtools_put_r) s, ratio $r (target none) INFO"
r=$(ratio fat_get_r mtools_get_r)
echo "fat_get_r_vs_mcopy_s: $files files in $dirs folders, $(secs fat_get_r) / $(secs mtools_get_r) s, ratio $r (target none) INFO"
exit 0
