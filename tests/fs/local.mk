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
