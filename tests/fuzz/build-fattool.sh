#!/bin/sh
# Build the blk-debug fuzz target with clang (called by tests/fuzz/build.sh):
#   tests/fuzz/build-fattool.sh OUTDIR
#   OUTDIR/fuzz_blk_debug -max_total_time=60 tests/fuzz/corpus/blk_debug
# Compiles the core (with its xenstore source), blk-ram, blk-debug and
# tests/fat-tool/fuzz_blk_debug.c with -fsanitize=fuzzer,address,undefined.
# CLANG overrides clang.
set -eu
out=${1:?usage: $0 OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${CLANG:=clang}"
mkdir -p "$out"
# shellcheck disable=SC2046
$CLANG -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/core/include" -I"$top/core/src" \
	-DDEVMGR_PLUGINDIR='"/nonexistent"' \
	$(pkg-config --cflags jansson xenstore) \
	"$top"/core/src/*.c \
	"$top/plugins/blk-ram/blk_ram.c" \
	"$top/plugins/blk-debug/blk_debug.c" \
	"$top/tests/fat-tool/fuzz_blk_debug.c" \
	-o "$out/fuzz_blk_debug" \
	$(pkg-config --libs jansson xenstore) -ldl -lpthread
echo "built $out/fuzz_blk_debug"
