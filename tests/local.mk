# Tests: Check unit tests (tests/unit), integration scripts (tests/integration),
# test plugins (tests/plugins), configuration cases (tests/config), schemas.
AM_TESTS_ENVIRONMENT = \
	DEVMGR_PLUGIN_PATH='$(BUILD_PLUGIN_DIR)'; export DEVMGR_PLUGIN_PATH; \
	PYTHON3_SYS='$(PYTHON3_SYS)'; export PYTHON3_SYS; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir;
EXTRA_DIST += tests/config

include $(srcdir)/tests/schema/local.mk
include $(srcdir)/tests/unit/providers.mk
include $(srcdir)/tests/unit/core.mk
include $(srcdir)/tests/plugins/local.mk
include $(srcdir)/tests/integration/loader.mk
include $(srcdir)/tests/integration/cli.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/xen/local.mk
include $(srcdir)/tests/xen-guest/local.mk
include $(srcdir)/tests/net/local.mk
include $(srcdir)/tests/stack/local.mk
include $(srcdir)/tests/fat-tool/local.mk
include $(srcdir)/tests/fs/local.mk
include $(srcdir)/tests/blk-part/local.mk
include $(srcdir)/tests/www/local.mk
include $(srcdir)/tests/switch/local.mk
include $(srcdir)/tests/guide/local.mk
