# net-lwip: the stack-lwip provider over any net device (Debian's lwIP).
plugin_LTLIBRARIES += plugins/net-lwip.la
plugins_net_lwip_la_SOURCES = plugins/net-lwip/stack_lwip.c
plugins_net_lwip_la_CFLAGS = $(AM_CFLAGS) $(LWIP_CFLAGS)
plugins_net_lwip_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_net_lwip_la_LIBADD = core/libdevmgr.la $(LWIP_LIBS) -lpthread
