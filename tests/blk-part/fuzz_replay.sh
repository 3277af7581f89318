#!/bin/sh
# The blk-part table parser's fuzz target as a regression test: every
# seed and every crash-fix input in tests/fuzz/corpus/part is parsed.
: "${top_builddir:?}" "${top_srcdir:?}"
exec "$top_builddir/tests/blk-part/run_corpus_part" "$top_srcdir/tests/fuzz/corpus/part"
