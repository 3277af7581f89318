# console-stdio and console-file.
plugin_LTLIBRARIES += plugins/console.la
plugins_console_la_SOURCES = plugins/console/console.c
plugins_console_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_console_la_LIBADD = core/libdevmgr.la
