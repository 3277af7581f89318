# fs-host: the fs signature over a host folder, confined beneath it.
plugin_LTLIBRARIES += plugins/fs-host.la
plugins_fs_host_la_SOURCES = plugins/fs-host/fs_host.c
plugins_fs_host_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_fs_host_la_LIBADD = core/libdevmgr.la
