#!/bin/sh
# The fs-fat fuzz target as a regression test: every seed and every
# crash-fix input in tests/fuzz/corpus/fat is mounted, walked and written.
: "${top_builddir:?}" "${top_srcdir:?}"
exec "$top_builddir/tests/fs/run_corpus_fat" "$top_srcdir/tests/fuzz/corpus/fat"
