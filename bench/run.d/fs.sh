#!/bin/sh
# fs.sh [--quick] BUILDDIR: the fs-fat benchmarks (bench/fs_fat.c): reads
# against pread and mtype, writes against mcopy, folder growth.  Exits 2
# when mkfs.fat or mtools is missing.
quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
b=${1:?usage: $0 [--quick] BUILDDIR}
PATH=$PATH:/usr/sbin:/sbin
for t in mkfs.fat mcopy mtype mdel; do
	command -v $t >/dev/null 2>&1 || { echo "fs.sh: $t is missing" >&2; exit 2; }
done
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH
"$b/bench/fs_fat" $quick
st=$?
[ $st -ge 2 ] && exit 2
exit 0
