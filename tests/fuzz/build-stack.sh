#!/bin/sh
# Build the stack area's libFuzzer target with clang (used by CI through
# tests/fuzz/build.sh):
#   tests/fuzz/build-stack.sh OUTDIR
#   OUTDIR/fuzz_lwip_frames -max_total_time=60 tests/fuzz/corpus/lwip_frames
# Compiles the core sources, stack-lwip and the target (which brings its
# own frame source) with -fsanitize=fuzzer,address,undefined, against
# Debian's liblwip (and libxenstore, which the core uses).  CLANG
# overrides clang.
set -eu
out=${1:?usage: $0 OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${CLANG:=clang}"
mkdir -p "$out"
# shellcheck disable=SC2046
$CLANG -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/core/include" \
	-DDEVMGR_PLUGINDIR='"/nonexistent"' \
	$(pkg-config --cflags jansson lwip xenstore) \
	"$top"/core/src/*.c \
	"$top/plugins/net-lwip/stack_lwip.c" \
	"$top/tests/fuzz/fuzz_lwip_frames.c" \
	-o "$out/fuzz_lwip_frames" \
	$(pkg-config --libs jansson lwip xenstore) -ldl -lpthread
echo "built $out/fuzz_lwip_frames"
