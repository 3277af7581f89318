# The conformance kit ("devmgr conform", docs/conform.md): the project's own
# providers pass it, and test-conform-fault (built only for make check, in
# tests/conform/.libs) shows that each case can fail: faults.sh runs the
# kit against every fault and checks that exactly the case named in
# tests/conform/expect/SIG fails.
check_LTLIBRARIES += tests/conform/test-conform-fault.la
tests_conform_test_conform_fault_la_SOURCES = tests/conform/fault.c \
	tests/conform/fault.h tests/conform/fault_fs.c \
	tests/conform/fault_net.c tests/conform/fault_stack.c
tests_conform_test_conform_fault_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_conform_test_conform_fault_la_LIBADD = core/libdevmgr.la

CONFORM_TESTS = tests/conform/providers.sh tests/conform/faults.sh \
	tests/conform/tap.sh
TESTS += $(CONFORM_TESTS)
dist_noinst_SCRIPTS += $(CONFORM_TESTS) tests/conform/lib.sh
EXTRA_DIST += tests/conform/expect
