#!/bin/sh
# Build the blk-part table parser's fuzz target with clang (called by
# tests/fuzz/build.sh):
#   tests/fuzz/build-part.sh OUTDIR
#   OUTDIR/fuzz_part -max_total_time=60 tests/fuzz/corpus/part
# CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
# shellcheck disable=SC2046
fuzz_target fuzz_part "$top/plugins/blk-part/part_table.c" \
	"$top/tests/blk-part/fuzz_part.c" $(pkg-config --cflags --libs zlib)
