# blk-part: one partition (MBR, GPT, or offset and size) of a blk device.
plugin_LTLIBRARIES += plugins/blk-part.la
plugins_blk_part_la_SOURCES = plugins/blk-part/blk_part.c \
	plugins/blk-part/part_table.c plugins/blk-part/part.h
plugins_blk_part_la_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS)
plugins_blk_part_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blk_part_la_LIBADD = core/libdevmgr.la $(ZLIB_LIBS)
