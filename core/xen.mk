# The xenstore configuration source (libxenstore), part of libdevmgr:
# xs_map.c turns untrusted xenstore entries into device specifications,
# xs_source.c connects, watches and hot-plugs (docs/xen.md).  A build
# configured --without-xenstore has xs_none.c in place of xs_source.c and
# does not link libxenstore; the mapping stays, as config.c checks the
# configuration's "xenstore" section with it.
core_libdevmgr_la_SOURCES += \
	core/src/xs_map.h \
	core/src/xs_map.c
if HAVE_XENSTORE
core_libdevmgr_la_SOURCES += core/src/xs_source.c
core_libdevmgr_la_CFLAGS += $(XENSTORE_CFLAGS)
core_libdevmgr_la_LIBADD += $(XENSTORE_LIBS)
else
core_libdevmgr_la_SOURCES += core/src/xs_none.c
endif
core_libdevmgr_la_LIBADD += -lpthread
