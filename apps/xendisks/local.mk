# xendisks: reports hot-plugged disks as they come and go (the Xen
# hot-plug example, used by tests/xen).
bin_PROGRAMS += apps/xendisks/xendisks
apps_xendisks_xendisks_SOURCES = apps/xendisks/xendisks.c apps/xendisks/main.c
apps_xendisks_xendisks_LDADD = core/libdevmgr.la
