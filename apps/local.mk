# The devmgr command and the apps written against signatures.
bin_PROGRAMS += apps/devmgr/devmgr
apps_devmgr_devmgr_SOURCES = apps/devmgr/main.c apps/devmgr/cmd.h \
	apps/devmgr/print.c apps/devmgr/default_config.h \
	apps/devmgr/conform.h apps/devmgr/conform.c \
	apps/devmgr/conform_blk.c apps/devmgr/conform_console.c \
	apps/devmgr/conform_fs.c apps/devmgr/conform_net.c \
	apps/devmgr/conform_stack.c
apps_devmgr_devmgr_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
apps_devmgr_devmgr_LDADD = core/libdevmgr.la $(JANSSON_LIBS)

include $(srcdir)/apps/blkdump/local.mk
include $(srcdir)/apps/echo/local.mk
include $(srcdir)/apps/devmgr-fat/local.mk
include $(srcdir)/apps/www/local.mk
include $(srcdir)/apps/switch/local.mk
include $(srcdir)/apps/xendisks/local.mk
