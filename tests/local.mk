# Tests: Check unit tests (tests/unit), integration scripts (tests/integration),
# test plugins (tests/plugins), configuration cases (tests/config), schemas.
AM_TESTS_ENVIRONMENT = \
	DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)'; export DEVMGR_PLUGIN_PATH; \
	PYTHON3_SYS='$(PYTHON3_SYS)'; export PYTHON3_SYS; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	XDG_CACHE_HOME='$(abs_top_builddir)/tests/cache'; export XDG_CACHE_HOME; \
	DEVMGR_XENSTORE='$(HAVE_XENSTORE)'; export DEVMGR_XENSTORE;
EXTRA_DIST += tests/config
# The plugin scanner's cache of the tests' runs (core/src/scan.c), kept
# out of the user's own.
clean-local: clean-tests-cache
clean-tests-cache:
	rm -rf tests/cache
.PHONY: clean-tests-cache

# The one list of every test make check runs, whatever folder adds it:
# "make -s list-tests".
list-tests:
	@for t in $(TESTS); do echo "$$t"; done
.PHONY: list-tests

include $(srcdir)/tests/schema/local.mk
include $(srcdir)/tests/unit/providers.mk
include $(srcdir)/tests/unit/core.mk
include $(srcdir)/tests/plugins/local.mk
include $(srcdir)/tests/conform/local.mk
include $(srcdir)/tests/integration/loader.mk
include $(srcdir)/tests/integration/cli.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/xen/local.mk
include $(srcdir)/tests/xen-guest/local.mk
include $(srcdir)/tests/net/local.mk
include $(srcdir)/tests/stack/local.mk
include $(srcdir)/tests/blk-debug/local.mk
include $(srcdir)/tests/fat-tool/local.mk
include $(srcdir)/tests/fs/local.mk
include $(srcdir)/tests/blk-part/local.mk
include $(srcdir)/tests/www/local.mk
include $(srcdir)/tests/switch/local.mk
include $(srcdir)/tests/guide/local.mk
