# Tests of fs-fat, blk-debug and devmgr-fat against dosfstools and mtools.
# fat_shell drives an fs device through the devmgr API for the scripts.
check_PROGRAMS += tests/fs/fat_shell
tests_fs_fat_shell_SOURCES = tests/fs/fat_shell.c
tests_fs_fat_shell_LDADD = core/libdevmgr.la
TESTS += tests/fs/read.sh
dist_noinst_SCRIPTS += tests/fs/read.sh tests/fs/lib.sh
EXTRA_DIST += tests/fs/mdir_list.py
TESTS += tests/fs/write.sh
dist_noinst_SCRIPTS += tests/fs/write.sh
EXTRA_DIST += tests/fs/fatcheck.py
TESTS += tests/fs/corrupt.sh
dist_noinst_SCRIPTS += tests/fs/corrupt.sh
EXTRA_DIST += tests/fs/corrupt.py
TESTS += tests/fs/loop.sh
dist_noinst_SCRIPTS += tests/fs/loop.sh
EXTRA_DIST += tests/fs/loopcheck.py
TESTS += tests/fs/edges.sh
dist_noinst_SCRIPTS += tests/fs/edges.sh
EXTRA_DIST += tests/fs/bigfile.py
TESTS += tests/fs/time.sh
dist_noinst_SCRIPTS += tests/fs/time.sh
# The fuzz target over the seed corpus (tests/fuzz/build-fs.sh builds the
# libFuzzer version).  fs-fat and blk-ram are linked in.
check_PROGRAMS += tests/fs/run_corpus_fat
tests_fs_run_corpus_fat_SOURCES = tests/fuzz/run_corpus.c tests/fs/fuzz_fat.c \
	plugins/blk-ram/blk_ram.c plugins/fs-fat/fat.h \
	plugins/fs-fat/fat_vol.c plugins/fs-fat/fat_name.c \
	plugins/fs-fat/fat_dir.c plugins/fs-fat/fat_file.c \
	plugins/fs-fat/fat_ops.c
tests_fs_run_corpus_fat_CFLAGS = $(AM_CFLAGS)
tests_fs_run_corpus_fat_LDADD = core/libdevmgr.la
TESTS += tests/fs/fuzz_replay.sh
dist_noinst_SCRIPTS += tests/fs/fuzz_replay.sh tests/fuzz/build-fs.sh
EXTRA_DIST += tests/fuzz/corpus/fat
TESTS += tests/fs/bigdir.sh
dist_noinst_SCRIPTS += tests/fs/bigdir.sh
# Unit tests of the name functions (fat_name.c linked in).
check_PROGRAMS += tests/fs/test_fat_name
TESTS += tests/fs/test_fat_name
tests_fs_test_fat_name_SOURCES = tests/fs/test_fat_name.c \
	plugins/fs-fat/fat_name.c
tests_fs_test_fat_name_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fs_test_fat_name_LDADD = core/libdevmgr.la $(CHECK_LIBS)
# fs-host against the host folder it serves (fat_shell -H).
TESTS += tests/fs/host.sh
dist_noinst_SCRIPTS += tests/fs/host.sh
