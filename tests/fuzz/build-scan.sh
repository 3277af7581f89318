#!/bin/sh
# Build the scan record fuzz target with clang (called by build.sh):
#   tests/fuzz/build-scan.sh OUTDIR
#   OUTDIR/fuzz_scan_record -max_total_time=60 tests/fuzz/corpus/scan_record
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_scan_record -I"$top/core/src" \
	"$top/tests/fuzz/fuzz_scan_record.c"
