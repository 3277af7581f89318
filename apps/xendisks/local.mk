# xendisks: reports hot-plugged disks as they come and go (the Xen
# hot-plug example, used by tests/xen).  Built twice from one source, as
# blkdump is: its own executable (DEVMGR_APP_MAIN_XENSTORE: it reads
# xenstore without --xenstore) and the "xendisks" plugin for "devmgr run
# --xenstore xendisks".  A build without xenstore has the plugin only, so
# that a configuration naming the app is still checked and run (on the
# file's disks); an executable that only reads xenstore would be useless.
if HAVE_XENSTORE
bin_PROGRAMS += apps/xendisks/xendisks
apps_xendisks_xendisks_SOURCES = apps/xendisks/xendisks.c apps/xendisks/main.c
apps_xendisks_xendisks_CFLAGS = $(AM_CFLAGS)
apps_xendisks_xendisks_LDADD = core/libdevmgr.la
endif

plugin_LTLIBRARIES += plugins/xendisks.la
plugins_xendisks_la_SOURCES = apps/xendisks/xendisks.c apps/xendisks/plugin.c
plugins_xendisks_la_CFLAGS = $(AM_CFLAGS)
plugins_xendisks_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_xendisks_la_LIBADD = core/libdevmgr.la
