# Tests of fs-fat, blk-debug and devmgr-fat against dosfstools and mtools.
# fat_shell drives an fs device through the devmgr API for the scripts.
check_PROGRAMS += tests/fs/fat_shell
tests_fs_fat_shell_SOURCES = tests/fs/fat_shell.c
tests_fs_fat_shell_LDADD = core/libdevmgr.la
