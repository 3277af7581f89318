#!/bin/sh
# Build the fs-fat fuzz target with clang (called by tests/fuzz/build.sh):
#   tests/fuzz/build-fs.sh OUTDIR
#   OUTDIR/fuzz_fat -max_total_time=60 tests/fuzz/corpus/fat
# Compiles the core, blk-ram, fs-fat and tests/fs/fuzz_fat.c with
# -fsanitize=fuzzer,address,undefined.  CLANG overrides clang.
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
	$(pkg-config --cflags jansson xenstore) \
	"$top"/core/src/*.c \
	"$top/plugins/blk-ram/blk_ram.c" \
	"$top"/plugins/fs-fat/fat_*.c \
	"$top/tests/fs/fuzz_fat.c" \
	-o "$out/fuzz_fat" \
	$(pkg-config --libs jansson xenstore) -ldl -lpthread
echo "built $out/fuzz_fat"
