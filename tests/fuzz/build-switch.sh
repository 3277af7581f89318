#!/bin/sh
# Build the switch's libFuzzer target with clang (called by build.sh):
#   tests/fuzz/build-switch.sh OUTDIR
#   OUTDIR/fuzz_switch -max_total_time=60 tests/fuzz/corpus/switch
# The target drives the forwarding engine (apps/switch/switch.c, fdb.c)
# with the core library (and so libxenstore) compiled in.
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
	"$top/apps/switch/switch.c" "$top/apps/switch/fdb.c" \
	"$top/tests/switch/fuzz_switch.c" \
	-o "$out/fuzz_switch" \
	$(pkg-config --libs jansson xenstore) -ldl -lpthread
echo "built $out/fuzz_switch"
