# libdevmgr: the core.  Only devmgr_* symbols are exported (DEVMGR_API,
# -fvisibility=hidden, and the regex below as a second fence).
lib_LTLIBRARIES += core/libdevmgr.la
core_libdevmgr_la_SOURCES = \
	core/src/internal.h \
	core/src/alloc.c \
	core/src/error.c \
	core/src/log.c \
	core/src/console.c \
	core/src/provider_blk.c \
	core/src/provider_net.c \
	core/src/map.c \
	core/src/sig.c \
	core/src/registry.c \
	core/src/loader.c \
	core/src/scan.c \
	core/src/scan_record.c \
	core/src/param.c \
	core/src/config.c \
	core/src/plan.c \
	core/src/graph.c \
	core/src/device.c \
	core/src/app.c \
	core/src/loop.c \
	core/src/apply.c \
	core/src/run.c \
	core/src/ctx.c \
	core/src/appmain.c \
	core/src/cli.c
core_libdevmgr_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
core_libdevmgr_la_LIBADD = $(JANSSON_LIBS) $(DL_LIBS)
core_libdevmgr_la_LDFLAGS = -version-info 0:0:0 -no-undefined \
	-export-symbols-regex '^devmgr_'

include $(srcdir)/core/xen.mk

devmgrincludedir = $(includedir)/devmgr
devmgrinclude_HEADERS = \
	core/include/devmgr/devmgr.h \
	core/include/devmgr/plugin.h \
	core/include/devmgr/app.h \
	core/include/devmgr/cli.h \
	core/include/devmgr/sig.h
devmgrsigdir = $(includedir)/devmgr/sig
devmgrsig_HEADERS = \
	core/include/devmgr/sig/console.h \
	core/include/devmgr/sig/blk.h \
	core/include/devmgr/sig/net.h \
	core/include/devmgr/sig/stack.h \
	core/include/devmgr/sig/fs.h
devmgrproviderdir = $(includedir)/devmgr/provider
devmgrprovider_HEADERS = \
	core/include/devmgr/provider/blk.h \
	core/include/devmgr/provider/net.h

# No circle among the core's files: tests/integration/core_deps.sh runs
# scripts/core-deps.sh on the objects (which file defines and which uses
# each global symbol).
TESTS += tests/integration/core_deps.sh
dist_noinst_SCRIPTS += tests/integration/core_deps.sh
