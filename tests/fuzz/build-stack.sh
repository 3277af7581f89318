#!/bin/sh
# Build the stack area's libFuzzer target with clang (used by CI through
# tests/fuzz/build.sh):
#   tests/fuzz/build-stack.sh OUTDIR
#   OUTDIR/fuzz_lwip_frames -max_total_time=60 tests/fuzz/corpus/lwip_frames
# Compiles the core sources, stack-lwip and the target (which brings its
# own frame source) with -fsanitize=fuzzer,address,undefined, against
# Debian's liblwip (and libxenstore, which the core uses).  CLANG
# overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
# shellcheck disable=SC2046
fuzz_core fuzz_lwip_frames $(pkg-config --cflags lwip) \
	"$top/plugins/net-lwip/stack_lwip.c" \
	"$top/tests/fuzz/fuzz_lwip_frames.c" $(pkg-config --libs lwip)
