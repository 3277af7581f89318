#!/bin/sh
# Build the www app's libFuzzer target (called by tests/fuzz/build.sh):
#   tests/fuzz/build-www.sh OUTDIR
#   OUTDIR/fuzz_http -max_total_time=60 tests/fuzz/corpus/http
# fuzz_http drives the request handling of apps/www (conn.c, http.c) with
# arbitrary bytes.  CLANG overrides clang.
. "$(dirname "$0")/fuzzlib.sh"
fuzz_target fuzz_http "$top/apps/www/http.c" "$top/apps/www/conn.c" \
	"$top/tests/www/fuzz_http.c" -lhttp_parser
