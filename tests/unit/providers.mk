# Unit tests of the console and blk providers, and of the blk provider kit
# (test_provider_blk: core/src/provider_blk.c, with blk-ram for its
# sector_size parameter).  Each test links its
# provider's source into the program, so the provider is found through the
# devmgr_plugins linker section, not through the loader.  Each also links
# testlib.c, the helpers the unit tests share.
check_PROGRAMS += tests/unit/test_console tests/unit/test_blk_ram \
	tests/unit/test_blk_file tests/unit/test_provider_blk
TESTS += tests/unit/test_console tests/unit/test_blk_ram \
	tests/unit/test_blk_file tests/unit/test_provider_blk

tests_unit_test_console_SOURCES = tests/unit/test_console.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/console/console.c
tests_unit_test_console_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_console_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_blk_ram_SOURCES = tests/unit/test_blk_ram.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/blk-ram/blk_ram.c
tests_unit_test_blk_ram_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_blk_ram_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_blk_file_SOURCES = tests/unit/test_blk_file.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/blk-file/blk_file.c
tests_unit_test_blk_file_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_blk_file_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# blk-xen's parts that need no hypervisor (request planning, ids in
# flight, strict parsing); built in every configuration.
check_PROGRAMS += tests/unit/test_blkfront
TESTS += tests/unit/test_blkfront
tests_unit_test_blkfront_SOURCES = tests/unit/test_blkfront.c \
	plugins/blk-xen/blkfront.c plugins/blk-xen/blkfront.h
tests_unit_test_blkfront_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_blkfront_LDADD = $(CHECK_LIBS)

tests_unit_test_provider_blk_SOURCES = tests/unit/test_provider_blk.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/blk-ram/blk_ram.c
tests_unit_test_provider_blk_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_provider_blk_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# The Internet checksum of the provider kit (<devmgr/provider/net.h>).
check_PROGRAMS += tests/unit/test_net_csum
TESTS += tests/unit/test_net_csum
tests_unit_test_net_csum_SOURCES = tests/unit/test_net_csum.c
tests_unit_test_net_csum_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_net_csum_LDADD = core/libdevmgr.la $(CHECK_LIBS)
