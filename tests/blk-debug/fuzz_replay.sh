#!/bin/sh
# fuzz_replay.sh: the blk-debug fuzz target over its seed corpus, as a
# regression test (tests/blk-debug/fuzz_blk_debug.c).
: "${top_srcdir:?}" "${top_builddir:?}"
unset DEVMGR_PLUGIN_PATH # only the linked-in providers
exec "$top_builddir/tests/blk-debug/run_corpus_blk_debug" \
	"$top_srcdir/tests/fuzz/corpus/blk_debug"
