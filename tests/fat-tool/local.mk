# Tests of devmgr-fat and blk-debug against dosfstools and mtools.
# test_blk_debug links blk-debug and blk-ram into the program, so both are
# found through the devmgr_plugins linker section.
check_PROGRAMS += tests/fat-tool/test_blk_debug
TESTS += tests/fat-tool/test_blk_debug
tests_fat_tool_test_blk_debug_SOURCES = tests/fat-tool/test_blk_debug.c \
	plugins/blk-debug/blk_debug.c plugins/blk-ram/blk_ram.c
tests_fat_tool_test_blk_debug_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fat_tool_test_blk_debug_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# devmgr-fat against mkfs.fat, fsck.fat and mtools; each script skips
# (77) while fs-fat is not built, or cannot write yet.
FAT_TOOL_TESTS = \
	tests/fat-tool/cli.sh \
	tests/fat-tool/anyfs.sh \
	tests/fat-tool/read.sh \
	tests/fat-tool/write.sh \
	tests/fat-tool/enospc.sh \
	tests/fat-tool/faults.sh \
	tests/fat-tool/mount_faults.sh \
	tests/fat-tool/attrib.sh \
	tests/fat-tool/mkfs.sh \
	tests/fat-tool/mkfs_kernel.sh tests/fat-tool/kernel_vm.sh \
	tests/fat-tool/recurse.sh
TESTS += $(FAT_TOOL_TESTS)
dist_noinst_SCRIPTS += $(FAT_TOOL_TESTS) tests/fat-tool/mdir_list.py \
	tests/fat-tool/fsck_filter.py tests/fat-tool/bpb.py
EXTRA_DIST += tests/fat-tool/lib.sh

# test-fs-hostdir: an fs over a host folder, loaded as a real module from
# tests/fat-tool/.libs by anyfs.sh (devmgr-fat over an fs that is not FAT).
check_LTLIBRARIES += tests/fat-tool/test-fs-hostdir.la
tests_fat_tool_test_fs_hostdir_la_SOURCES = tests/fat-tool/test_fs_hostdir.c
tests_fat_tool_test_fs_hostdir_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_fat_tool_test_fs_hostdir_la_LIBADD = core/libdevmgr.la

# The blk-debug fuzz target over its seed corpus (tests/fuzz/build-fattool.sh
# builds it for libFuzzer).
check_PROGRAMS += tests/fat-tool/run_corpus_blk_debug
tests_fat_tool_run_corpus_blk_debug_SOURCES = tests/fuzz/run_corpus.c \
	tests/fat-tool/fuzz_blk_debug.c plugins/blk-debug/blk_debug.c \
	plugins/blk-ram/blk_ram.c
tests_fat_tool_run_corpus_blk_debug_CFLAGS = $(AM_CFLAGS)
tests_fat_tool_run_corpus_blk_debug_LDADD = core/libdevmgr.la
TESTS += tests/fat-tool/fuzz_replay.sh
dist_noinst_SCRIPTS += tests/fat-tool/fuzz_replay.sh \
	tests/fuzz/build-fattool.sh
EXTRA_DIST += tests/fuzz/corpus/blk_debug
