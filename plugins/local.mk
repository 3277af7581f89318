# Provider plugins; every module lands in plugins/.libs in the build tree.
include $(srcdir)/plugins/console/local.mk
include $(srcdir)/plugins/blk-ram/local.mk
include $(srcdir)/plugins/blk-file/local.mk
