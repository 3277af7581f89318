#!/bin/sh
# Replay the net-link fuzz corpus (tests/fuzz/corpus/net_link) through the
# fuzz target, built without libFuzzer (tests/net/run_corpus_net_link).
exec "$top_builddir/tests/net/run_corpus_net_link" \
	"$top_srcdir/tests/fuzz/corpus/net_link"
