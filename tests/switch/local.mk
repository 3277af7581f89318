# Tests of the switch app: the forwarding table (Check).
check_PROGRAMS += tests/switch/test_fdb
TESTS += tests/switch/test_fdb
tests_switch_test_fdb_SOURCES = tests/switch/test_fdb.c apps/switch/fdb.c \
	apps/switch/fdb.h
tests_switch_test_fdb_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_switch_test_fdb_LDADD = $(CHECK_LIBS)
