#!/bin/sh
# fuzz_corpus.sh: replay the xenstore fuzz corpus through the target.
: "${top_builddir:?}" "${top_srcdir:?}"
exec "$top_builddir/tests/xen/run_xs_corpus" "$top_srcdir/tests/fuzz/corpus/xenstore"
