# blk-xen: devmgr's own Xen block frontend (blkif over gntalloc and an
# unbound event channel); built with the xenstore source when libxengnttab
# and libxenevtchn are found.
EXTRA_DIST += plugins/blk-xen/blkfront.h plugins/blk-xen/blkfront.c \
	plugins/blk-xen/blk_xen.c
if HAVE_BLK_XEN
plugin_LTLIBRARIES += plugins/blk-xen.la
plugins_blk_xen_la_SOURCES = plugins/blk-xen/blk_xen.c \
	plugins/blk-xen/blkfront.h plugins/blk-xen/blkfront.c
plugins_blk_xen_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(XENFRONT_CFLAGS)
plugins_blk_xen_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_blk_xen_la_LIBADD = core/libdevmgr.la $(XENSTORE_LIBS) $(XENFRONT_LIBS)
endif
