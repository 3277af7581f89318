# blk-file: a block device on a disk image or a host block device.
plugin_LTLIBRARIES += plugins/blk-file.la
plugins_blk_file_la_SOURCES = plugins/blk-file/blk_file.c
plugins_blk_file_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blk_file_la_LIBADD = core/libdevmgr.la
