# Test plugins: real modules loaded through the real loader by the tests.
# test-blk-pass lands in tests/plugins/.libs, for configuration cases that
# need a stacked blk provider; the broken ones land in tests/plugins/bad/.libs
# (one refusal each, see bad_plugin.c) so that normal runs never see them;
# tests/plugins/badtable/.libs holds one more, kept apart so that the runs
# of every module in tests/plugins/bad keep their count.
# -rpath makes libtool build a shared module for a check_ library.
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -no-undefined -rpath /nowhere

check_LTLIBRARIES += tests/plugins/test-blk-pass.la
tests_plugins_test_blk_pass_la_SOURCES = tests/plugins/test_blk_pass.c
tests_plugins_test_blk_pass_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_test_blk_pass_la_LIBADD = core/libdevmgr.la

# tests/plugins/lazy/.libs: test-marker, the same provider under another
# name, whose loads leave a mark (tests/integration/lazy.sh).
check_LTLIBRARIES += tests/plugins/lazy/test-marker.la
tests_plugins_lazy_test_marker_la_SOURCES = tests/plugins/test_blk_pass.c
tests_plugins_lazy_test_marker_la_CPPFLAGS = $(AM_CPPFLAGS) -DLOAD_MARKER
tests_plugins_lazy_test_marker_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_lazy_test_marker_la_LIBADD = core/libdevmgr.la

check_LTLIBRARIES += tests/plugins/bad/bad-nodesc.la \
	tests/plugins/bad/bad-magic.la tests/plugins/bad/bad-abi.la \
	tests/plugins/bad/bad-sig.la tests/plugins/bad/bad-dup.la \
	tests/plugins/bad/bad-nullop.la

tests_plugins_bad_bad_nodesc_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_nodesc_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_NODESC
tests_plugins_bad_bad_nodesc_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_nodesc_la_LIBADD = core/libdevmgr.la

tests_plugins_bad_bad_magic_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_magic_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_MAGIC
tests_plugins_bad_bad_magic_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_magic_la_LIBADD = core/libdevmgr.la

tests_plugins_bad_bad_abi_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_abi_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_ABI
tests_plugins_bad_bad_abi_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_abi_la_LIBADD = core/libdevmgr.la

tests_plugins_bad_bad_sig_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_sig_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_SIG
tests_plugins_bad_bad_sig_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_sig_la_LIBADD = core/libdevmgr.la

tests_plugins_bad_bad_dup_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_dup_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_DUP
tests_plugins_bad_bad_dup_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_dup_la_LIBADD = core/libdevmgr.la

tests_plugins_bad_bad_nullop_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_bad_bad_nullop_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_NULLOP
tests_plugins_bad_bad_nullop_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_bad_nullop_la_LIBADD = core/libdevmgr.la

check_LTLIBRARIES += tests/plugins/badtable/bad-nullname.la
tests_plugins_badtable_bad_nullname_la_SOURCES = tests/plugins/bad_plugin.c
tests_plugins_badtable_bad_nullname_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_NULLNAME
tests_plugins_badtable_bad_nullname_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badtable_bad_nullname_la_LIBADD = core/libdevmgr.la

# tests/plugins/hostile/.libs: plugins whose constructor crashes, aborts,
# exits or never returns (hostile_plugin.c), for tests/integration/scanner.sh.
check_LTLIBRARIES += tests/plugins/hostile/hostile-segv.la \
	tests/plugins/hostile/hostile-abort.la \
	tests/plugins/hostile/hostile-exit.la \
	tests/plugins/hostile/hostile-loop.la
tests_plugins_hostile_hostile_segv_la_SOURCES = tests/plugins/hostile_plugin.c
tests_plugins_hostile_hostile_segv_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_SEGV
tests_plugins_hostile_hostile_segv_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_hostile_hostile_segv_la_LIBADD = core/libdevmgr.la
tests_plugins_hostile_hostile_abort_la_SOURCES = tests/plugins/hostile_plugin.c
tests_plugins_hostile_hostile_abort_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_ABORT
tests_plugins_hostile_hostile_abort_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_hostile_hostile_abort_la_LIBADD = core/libdevmgr.la
tests_plugins_hostile_hostile_exit_la_SOURCES = tests/plugins/hostile_plugin.c
tests_plugins_hostile_hostile_exit_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_EXIT
tests_plugins_hostile_hostile_exit_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_hostile_hostile_exit_la_LIBADD = core/libdevmgr.la
tests_plugins_hostile_hostile_loop_la_SOURCES = tests/plugins/hostile_plugin.c
tests_plugins_hostile_hostile_loop_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_LOOP
tests_plugins_hostile_hostile_loop_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_hostile_hostile_loop_la_LIBADD = core/libdevmgr.la
