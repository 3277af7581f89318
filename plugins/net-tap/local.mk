# net-tap: a Linux tap device.
plugin_LTLIBRARIES += plugins/net-tap.la
plugins_net_tap_la_SOURCES = plugins/net-tap/net_tap.c
plugins_net_tap_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_tap_la_LIBADD = core/libdevmgr.la
