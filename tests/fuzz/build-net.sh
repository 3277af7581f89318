#!/bin/sh
# Build the net-link / net-debug fuzz target with clang (called by
# tests/fuzz/build.sh):
#   tests/fuzz/build-net.sh OUTDIR
#   OUTDIR/fuzz_net_link -max_total_time=60 tests/fuzz/corpus/net_link
# Compiles the core, net-link, net-debug and tests/net/fuzz_net_link.c
# with -fsanitize=fuzzer,address,undefined.  CLANG overrides clang.
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
	$(pkg-config --cflags jansson) \
	"$top"/core/src/*.c \
	"$top/plugins/net-link/net_link.c" "$top/plugins/net-link/fq.c" \
	"$top/plugins/net-link/netutil.c" "$top/plugins/net-debug/net_debug.c" \
	"$top/tests/net/fuzz_net_link.c" \
	-o "$out/fuzz_net_link" \
	$(pkg-config --libs jansson) -ldl -lpthread -lm
echo "built $out/fuzz_net_link"
