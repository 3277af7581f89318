# The xenstore configuration source (libxenstore), part of libdevmgr:
# xs_map.c turns untrusted xenstore entries into device specifications,
# xs_source.c connects, watches and hot-plugs (docs/xen.md); xs_need.c
# keeps libxenstore needed although xs_source.c refers to it weakly.
core_libdevmgr_la_SOURCES += \
	core/src/xs_map.h \
	core/src/xs_map.c \
	core/src/xs_source.c \
	core/xen/xs_need.c
core_libdevmgr_la_CFLAGS += $(XENSTORE_CFLAGS)
core_libdevmgr_la_LIBADD += $(XENSTORE_LIBS) -lpthread
