#!/bin/sh
# part.sh [--quick] BUILDDIR: reads through blk-part on blk-file against
# blk-file alone on the same bytes (bench/blk_part.c).
quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
b=$(cd "${1:?usage: $0 [--quick] BUILDDIR}" && pwd)
: "${DEVMGR_PLUGIN_PATH:=$b/plugins/.libs}"
export DEVMGR_PLUGIN_PATH
[ -e "$DEVMGR_PLUGIN_PATH/blk-part.so" ] || { echo "part.sh: blk-part is not built" >&2; exit 2; }
"$b/bench/blk_part" $quick
[ $? -ge 2 ] && exit 2
exit 0
