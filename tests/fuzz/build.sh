#!/bin/sh
# Build the libFuzzer targets with clang, outside automake (used by CI):
#   tests/fuzz/build.sh OUTDIR
#   OUTDIR/fuzz_config -max_total_time=60 tests/fuzz/corpus/config
# Compiles the core sources, the blk-ram and console providers and the
# target with -fsanitize=fuzzer,address,undefined.  CLANG overrides clang.
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
	"$top/plugins/blk-ram/blk_ram.c" "$top/plugins/console/console.c" \
	"$top/tests/fuzz/fuzz_config.c" \
	-o "$out/fuzz_config" \
	$(pkg-config --libs jansson xenstore) -ldl -lpthread
echo "built $out/fuzz_config"
# Each area's targets: tests/fuzz/build-AREA.sh OUTDIR builds OUTDIR/fuzz_NAME,
# whose seed corpus is tests/fuzz/corpus/NAME.
for s in "$top"/tests/fuzz/build-*.sh; do
	[ -f "$s" ] || continue
	CLANG=$CLANG sh "$s" "$out"
done
