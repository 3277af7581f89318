#!/bin/sh
# Build the net-link / net-debug fuzz target with clang (called by
# tests/fuzz/build.sh):
#   tests/fuzz/build-net.sh OUTDIR
#   OUTDIR/fuzz_net_link -max_total_time=60 tests/fuzz/corpus/net_link
# Compiles the core, net-link, net-debug and tests/net/fuzz_net_link.c
# with -fsanitize=fuzzer,address,undefined.  CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_core fuzz_net_link \
	"$top/plugins/net-link/net_link.c" "$top/plugins/net-link/fq.c" \
	"$top/plugins/net-link/netutil.c" "$top/plugins/net-debug/net_debug.c" \
	"$top/tests/net/fuzz_net_link.c"
