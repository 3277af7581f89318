# blk-ram: a RAM disk in anonymous memory.
plugin_LTLIBRARIES += plugins/blk-ram.la
plugins_blk_ram_la_SOURCES = plugins/blk-ram/blk_ram.c
plugins_blk_ram_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blk_ram_la_LIBADD = core/libdevmgr.la
