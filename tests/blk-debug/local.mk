# Tests of blk-debug, the blk interposer.  test_blk_debug links blk-debug
# and blk-ram into the program, so both are found through the
# devmgr_plugins linker section.
check_PROGRAMS += tests/blk-debug/test_blk_debug
TESTS += tests/blk-debug/test_blk_debug
tests_blk_debug_test_blk_debug_SOURCES = tests/blk-debug/test_blk_debug.c \
	plugins/blk-debug/blk_debug.c plugins/blk-ram/blk_ram.c
tests_blk_debug_test_blk_debug_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_blk_debug_test_blk_debug_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# The blk-debug fuzz target over its seed corpus (tests/fuzz/build-blkdebug.sh
# builds it for libFuzzer).
check_PROGRAMS += tests/blk-debug/run_corpus_blk_debug
tests_blk_debug_run_corpus_blk_debug_SOURCES = tests/fuzz/run_corpus.c \
	tests/blk-debug/fuzz_blk_debug.c plugins/blk-debug/blk_debug.c \
	plugins/blk-ram/blk_ram.c
tests_blk_debug_run_corpus_blk_debug_CFLAGS = $(AM_CFLAGS)
tests_blk_debug_run_corpus_blk_debug_LDADD = core/libdevmgr.la
TESTS += tests/blk-debug/fuzz_replay.sh
dist_noinst_SCRIPTS += tests/blk-debug/fuzz_replay.sh \
	tests/fuzz/build-blkdebug.sh
EXTRA_DIST += tests/fuzz/corpus/blk_debug
