#!/bin/sh
# Build the libFuzzer targets with clang, outside automake (used by CI):
#   tests/fuzz/build.sh OUTDIR
#   OUTDIR/fuzz_config -max_total_time=60 tests/fuzz/corpus/config
# Builds the configuration target (the core, blk-ram, console), then each
# area's targets.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_config "$top/plugins/blk-ram/blk_ram.c" \
	"$top/plugins/console/console.c" "$top/tests/fuzz/fuzz_config.c"
# Each area's targets: tests/fuzz/build-AREA.sh OUTDIR builds OUTDIR/fuzz_NAME,
# whose seed corpus is tests/fuzz/corpus/NAME.
for s in "$top"/tests/fuzz/build-*.sh; do
	[ -f "$s" ] || continue
	CLANG=$CLANG sh "$s" "$out"
done
