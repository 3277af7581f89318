#!/bin/sh
# Build the xenstore mapping fuzz target with clang (called by build.sh):
#   tests/fuzz/build-xen.sh OUTDIR
#   OUTDIR/fuzz_xenstore -max_total_time=60 tests/fuzz/corpus/xenstore
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
	"$top/plugins/blk-ram/blk_ram.c" "$top/plugins/console/console.c" \
	"$top/tests/fuzz/fuzz_xenstore.c" \
	-o "$out/fuzz_xenstore" \
	$(pkg-config --libs jansson xenstore) -ldl -lpthread
echo "built $out/fuzz_xenstore"
