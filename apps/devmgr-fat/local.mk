# devmgr-fat: the FAT tool, an app over the fs signature, as its own
# executable.  It links no providers: blk-file, fs-fat, blk-debug... come
# from the plugin path.
bin_PROGRAMS += apps/devmgr-fat/devmgr-fat
apps_devmgr_fat_devmgr_fat_SOURCES = apps/devmgr-fat/main.c \
	apps/devmgr-fat/fat.c apps/devmgr-fat/mkfs.c \
	apps/devmgr-fat/fattool.h
apps_devmgr_fat_devmgr_fat_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
apps_devmgr_fat_devmgr_fat_LDADD = core/libdevmgr.la $(JANSSON_LIBS)
