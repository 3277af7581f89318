#!/bin/sh
# Replay the switch fuzz corpus (tests/fuzz/corpus/switch) through the
# fuzz target, linked with tests/fuzz/run_corpus.c.
: "${top_srcdir:?}" "${top_builddir:?}"
exec "$top_builddir/tests/switch/run_corpus_switch" \
	"$top_srcdir/tests/fuzz/corpus/switch"
