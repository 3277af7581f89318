# Tests of devmgr-fat against dosfstools and mtools (and the kernel).

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
