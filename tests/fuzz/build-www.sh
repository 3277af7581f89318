#!/bin/sh
# Build the www app's libFuzzer target (called by tests/fuzz/build.sh):
#   tests/fuzz/build-www.sh OUTDIR
#   OUTDIR/fuzz_http -max_total_time=60 tests/fuzz/corpus/http
# fuzz_http drives the request handling of apps/www (conn.c, http.c) with
# arbitrary bytes.  CLANG overrides clang.
set -eu
out=${1:?usage: $0 OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${CLANG:=clang}"
mkdir -p "$out"
$CLANG -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/core/include" \
	"$top/apps/www/http.c" "$top/apps/www/conn.c" \
	"$top/tests/www/fuzz_http.c" \
	-o "$out/fuzz_http" -lhttp_parser
echo "built $out/fuzz_http"
