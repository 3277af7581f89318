# Unit tests of the core library (config, params, graph, apps, loop,
# allocation failures) and the slot type check.  Each program links
# testlib.c, the helpers the unit tests share; test_graph and test_app also
# link testprov.c, the test providers t-blk, t-stack and t-con.  Test
# providers are found through the program's devmgr_plugins linker section.
core_unit_tests = tests/unit/test_config tests/unit/test_param \
	tests/unit/test_graph tests/unit/test_app tests/unit/test_loop \
	tests/unit/test_alloc tests/unit/test_provider_net
check_PROGRAMS += $(core_unit_tests)
TESTS += $(core_unit_tests) tests/unit/slot_typecheck.sh
dist_noinst_SCRIPTS += tests/unit/slot_typecheck.sh
EXTRA_DIST += tests/unit/slot_typecheck_bad.c

tests_unit_test_config_SOURCES = tests/unit/test_config.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/blk-ram/blk_ram.c plugins/console/console.c
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_config_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_param_SOURCES = tests/unit/test_param.c \
	tests/unit/testlib.c tests/unit/testlib.h
tests_unit_test_param_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_param_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_graph_SOURCES = tests/unit/test_graph.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	tests/unit/testprov.c tests/unit/testprov.h
tests_unit_test_graph_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_graph_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_app_SOURCES = tests/unit/test_app.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	tests/unit/testprov.c tests/unit/testprov.h
tests_unit_test_app_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_app_LDADD = core/libdevmgr.la $(CHECK_LIBS)

tests_unit_test_loop_SOURCES = tests/unit/test_loop.c \
	tests/unit/testlib.c tests/unit/testlib.h
tests_unit_test_loop_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_loop_LDADD = core/libdevmgr.la $(CHECK_LIBS) -lpthread

tests_unit_test_alloc_SOURCES = tests/unit/test_alloc.c \
	tests/unit/testlib.c tests/unit/testlib.h \
	plugins/blk-ram/blk_ram.c plugins/console/console.c
tests_unit_test_alloc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_alloc_LDADD = core/libdevmgr.la $(CHECK_LIBS)

# The net provider kit's TCP super-frame parser, on crafted frames.
tests_unit_test_provider_net_SOURCES = tests/unit/test_provider_net.c \
	tests/unit/testlib.c tests/unit/testlib.h
tests_unit_test_provider_net_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_provider_net_LDADD = core/libdevmgr.la $(CHECK_LIBS)
