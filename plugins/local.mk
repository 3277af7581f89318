# Provider plugins; every module lands in plugins/.libs in the build tree.
include $(srcdir)/plugins/console/local.mk
include $(srcdir)/plugins/blk-ram/local.mk
include $(srcdir)/plugins/blk-file/local.mk
include $(srcdir)/plugins/blk-xen/local.mk
include $(srcdir)/plugins/blk-debug/local.mk
include $(srcdir)/plugins/blk-part/local.mk
include $(srcdir)/plugins/fs-fat/local.mk
include $(srcdir)/plugins/fs-host/local.mk
include $(srcdir)/plugins/net-tap/local.mk
include $(srcdir)/plugins/net-packet/local.mk
include $(srcdir)/plugins/net-link/local.mk
include $(srcdir)/plugins/net-debug/local.mk
include $(srcdir)/plugins/net-socket/local.mk
include $(srcdir)/plugins/net-lwip/local.mk
