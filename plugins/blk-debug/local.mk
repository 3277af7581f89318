# blk-debug: a fault-injecting, tracing, checking blk interposer.
plugin_LTLIBRARIES += plugins/blk-debug.la
plugins_blk_debug_la_SOURCES = plugins/blk-debug/blk_debug.c
plugins_blk_debug_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blk_debug_la_LIBADD = core/libdevmgr.la
