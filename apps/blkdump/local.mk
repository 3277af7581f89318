# blkdump: a hex listing of a blk device's sectors, built twice from one
# source: an executable, and the "blkdump" plugin for "devmgr run".  Both
# have their own CFLAGS so that blkdump.c gets one object per target.
bin_PROGRAMS += apps/blkdump/blkdump
apps_blkdump_blkdump_SOURCES = apps/blkdump/blkdump.c apps/blkdump/main.c
apps_blkdump_blkdump_CFLAGS = $(AM_CFLAGS)
apps_blkdump_blkdump_LDADD = core/libdevmgr.la

plugin_LTLIBRARIES += plugins/blkdump.la
plugins_blkdump_la_SOURCES = apps/blkdump/blkdump.c apps/blkdump/plugin.c
plugins_blkdump_la_CFLAGS = $(AM_CFLAGS)
plugins_blkdump_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blkdump_la_LIBADD = core/libdevmgr.la
