# fs-fat: FAT12/16/32 over any blk device.
FS_FAT_SOURCES = plugins/fs-fat/fat.h plugins/fs-fat/fat_vol.c \
	plugins/fs-fat/fat_name.c plugins/fs-fat/fat_dir.c \
	plugins/fs-fat/fat_file.c plugins/fs-fat/fat_ops.c \
	plugins/fs-fat/fs_fat.c plugins/fs-fat/fat_mkfs.c
plugin_LTLIBRARIES += plugins/fs-fat.la
plugins_fs_fat_la_SOURCES = $(FS_FAT_SOURCES)
plugins_fs_fat_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_fs_fat_la_LIBADD = core/libdevmgr.la
