#!/bin/sh
# Build the blk-debug fuzz target with clang (called by tests/fuzz/build.sh):
#   tests/fuzz/build-fattool.sh OUTDIR
#   OUTDIR/fuzz_blk_debug -max_total_time=60 tests/fuzz/corpus/blk_debug
# Compiles the core (with its xenstore source), blk-ram, blk-debug and
# tests/blk-debug/fuzz_blk_debug.c with -fsanitize=fuzzer,address,undefined.
# CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_blk_debug -I"$top/core/src" \
	"$top/plugins/blk-ram/blk_ram.c" "$top/plugins/blk-debug/blk_debug.c" \
	"$top/tests/blk-debug/fuzz_blk_debug.c"
