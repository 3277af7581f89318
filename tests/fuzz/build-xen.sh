#!/bin/sh
# Build the xenstore mapping fuzz target with clang (called by build.sh):
#   tests/fuzz/build-xen.sh OUTDIR
#   OUTDIR/fuzz_xenstore -max_total_time=60 tests/fuzz/corpus/xenstore
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_xenstore -I"$top/core/src" \
	"$top/plugins/blk-ram/blk_ram.c" "$top/plugins/console/console.c" \
	"$top/tests/fuzz/fuzz_xenstore.c"
