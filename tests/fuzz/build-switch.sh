#!/bin/sh
# Build the switch's libFuzzer target with clang (called by build.sh):
#   tests/fuzz/build-switch.sh OUTDIR
#   OUTDIR/fuzz_switch -max_total_time=60 tests/fuzz/corpus/switch
# The target drives the forwarding engine (apps/switch/switch.c, fdb.c)
# with the core library (and so libxenstore) compiled in.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_switch "$top/apps/switch/switch.c" \
	"$top/apps/switch/fdb.c" "$top/tests/switch/fuzz_switch.c"
