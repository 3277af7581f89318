#!/bin/sh
# Replay the fuzz_http seed corpus (tests/fuzz/corpus/http) through the
# same target that libFuzzer builds (tests/fuzz/build-www.sh).
: "${top_srcdir:?}" "${top_builddir:?}"
exec "$top_builddir/tests/www/fuzz_http_replay" "$top_srcdir/tests/fuzz/corpus/http"
