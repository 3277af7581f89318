#!/bin/sh
# Build the fs-fat fuzz target with clang (called by tests/fuzz/build.sh):
#   tests/fuzz/build-fs.sh OUTDIR
#   OUTDIR/fuzz_fat -max_total_time=60 tests/fuzz/corpus/fat
# Compiles the core, blk-ram, fs-fat and tests/fs/fuzz_fat.c with
# -fsanitize=fuzzer,address,undefined.  CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_fat "$top/plugins/blk-ram/blk_ram.c" \
	"$top"/plugins/fs-fat/fat_*.c "$top/tests/fs/fuzz_fat.c"
