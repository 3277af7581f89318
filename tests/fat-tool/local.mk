# Tests of devmgr-fat and blk-debug against dosfstools and mtools.
# test_blk_debug links blk-debug and blk-ram into the program, so both are
# found through the devmgr_plugins linker section.
check_PROGRAMS += tests/fat-tool/test_blk_debug
TESTS += tests/fat-tool/test_blk_debug
tests_fat_tool_test_blk_debug_SOURCES = tests/fat-tool/test_blk_debug.c \
	plugins/blk-debug/blk_debug.c plugins/blk-ram/blk_ram.c
tests_fat_tool_test_blk_debug_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fat_tool_test_blk_debug_LDADD = core/libdevmgr.la $(CHECK_LIBS)
