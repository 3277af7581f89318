# The configuration fuzz target.  tests/fuzz/build.sh builds it with
# clang -fsanitize=fuzzer,address,undefined for real fuzzing (CI); here
# run_corpus replays the corpus through the same target in make check.
check_PROGRAMS += tests/fuzz/run_corpus
TESTS += tests/fuzz/run_corpus
tests_fuzz_run_corpus_SOURCES = tests/fuzz/run_corpus.c \
	tests/fuzz/fuzz_config.c plugins/blk-ram/blk_ram.c \
	plugins/console/console.c
tests_fuzz_run_corpus_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_run_corpus_LDADD = core/libdevmgr.la $(JANSSON_LIBS)
dist_noinst_SCRIPTS += tests/fuzz/build.sh
# The scan record target reads the core's hidden functions, so it is built
# from the core's sources by tests/fuzz/build-scan.sh only (CI fuzzes it).
dist_noinst_SCRIPTS += tests/fuzz/build-scan.sh
EXTRA_DIST += tests/fuzz/fuzz_scan_record.c
EXTRA_DIST += tests/fuzz/fuzzlib.sh
EXTRA_DIST += tests/fuzz/corpus
