# Tests of blk-part: the parser and the device (Check, linked in with
# blk-ram), disks made by sfdisk and sgdisk with FAT made by mkfs.fat
# --offset and checked by mtools (part.sh), the fuzz corpus.
check_PROGRAMS += tests/blk-part/test_blk_part
TESTS += tests/blk-part/test_blk_part
tests_blk_part_test_blk_part_SOURCES = tests/blk-part/test_blk_part.c \
	plugins/blk-part/blk_part.c plugins/blk-part/part_table.c \
	plugins/blk-ram/blk_ram.c
tests_blk_part_test_blk_part_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	$(ZLIB_CFLAGS)
tests_blk_part_test_blk_part_LDADD = core/libdevmgr.la $(CHECK_LIBS) \
	$(ZLIB_LIBS)
TESTS += tests/blk-part/part.sh
dist_noinst_SCRIPTS += tests/blk-part/part.sh
# The table parser's fuzz target over its seed corpus
# (tests/fuzz/build-part.sh builds it for libFuzzer).
check_PROGRAMS += tests/blk-part/run_corpus_part
tests_blk_part_run_corpus_part_SOURCES = tests/fuzz/run_corpus.c \
	tests/blk-part/fuzz_part.c plugins/blk-part/part_table.c
tests_blk_part_run_corpus_part_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
tests_blk_part_run_corpus_part_LDADD = $(ZLIB_LIBS)
TESTS += tests/blk-part/fuzz_replay.sh
dist_noinst_SCRIPTS += tests/blk-part/fuzz_replay.sh tests/fuzz/build-part.sh
EXTRA_DIST += tests/fuzz/corpus/part
TESTS += tests/blk-part/xen.sh
dist_noinst_SCRIPTS += tests/blk-part/xen.sh
